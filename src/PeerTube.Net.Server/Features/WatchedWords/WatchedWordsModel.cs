using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PeerTube.Net.Server.Features.WatchedWords;

/// <summary>
/// PeerTube's watched words list (6.2): a named list of words of an account, or of the instance (<see cref="AccountId"/>
/// null). A text containing one of its words gets the list's name as an automatic tag.
/// </summary>
public sealed class WatchedWordsList
{
    public const int MaxNameLength = 100;
    public const int MaxWordLength = 100;
    public const int MaxWords = 500;

    public int Id { get; set; }

    /// <summary>The account whose list it is; null for the instance's lists.</summary>
    public int? AccountId { get; set; }

    public required string ListName { get; set; }
    public List<string> Words { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>PeerTube's AutomaticTagPolicy: what an account (or the instance, <see cref="AccountId"/> null) does with a tag.</summary>
public sealed class AutomaticTagPolicy
{
    /// <summary>Comments with the tag on the account's videos are held for review.</summary>
    public const int ReviewComment = 1;

    /// <summary>Local videos with the tag are blocked (the instance's policy).</summary>
    public const int AutoBlockVideo = 2;

    public int Id { get; set; }
    public int? AccountId { get; set; }
    public required string Tag { get; set; }
    public int Policy { get; set; }
}

public static class WatchedWordsData
{
    extension(AppDbContext db)
    {
        public DbSet<WatchedWordsList> WatchedWordsLists => db.Set<WatchedWordsList>();
        public DbSet<AutomaticTagPolicy> AutomaticTagPolicies => db.Set<AutomaticTagPolicy>();
    }
}

internal sealed class WatchedWordsListConfiguration : IEntityTypeConfiguration<WatchedWordsList>
{
    public void Configure(EntityTypeBuilder<WatchedWordsList> e)
    {
        e.ToTable("WatchedWordsLists");
        e.HasIndex(l => new { l.AccountId, l.ListName });
        e.Property(l => l.ListName).HasMaxLength(WatchedWordsList.MaxNameLength);
        // One JSON array: both providers store it as text, and a list is read whole.
        e.Property(l => l.Words).HasConversion(
                words => JsonSerializer.Serialize(words, JsonSerializerOptions.Default),
                json => JsonSerializer.Deserialize<List<string>>(json, JsonSerializerOptions.Default) ?? new List<string>(),
                new ValueComparer<List<string>>((a, b) => a!.SequenceEqual(b!), l => l.Aggregate(0, (h, w) => HashCode.Combine(h, w.GetHashCode())), l => l.ToList()))
            .HasMaxLength((WatchedWordsList.MaxWordLength + 3) * WatchedWordsList.MaxWords + 2);
        e.HasOne<Account>().WithMany().HasForeignKey(l => l.AccountId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AutomaticTagPolicyConfiguration : IEntityTypeConfiguration<AutomaticTagPolicy>
{
    public void Configure(EntityTypeBuilder<AutomaticTagPolicy> e)
    {
        e.ToTable("AutomaticTagPolicies");
        e.HasIndex(p => new { p.AccountId, p.Policy });
        e.Property(p => p.Tag).HasMaxLength(WatchedWordsList.MaxNameLength);
        e.HasOne<Account>().WithMany().HasForeignKey(p => p.AccountId).OnDelete(DeleteBehavior.Cascade);
    }
}
