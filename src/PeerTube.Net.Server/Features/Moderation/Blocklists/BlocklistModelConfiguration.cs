using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PeerTube.Net.Server.Features.Accounts;

namespace PeerTube.Net.Server.Features.Moderation.Blocklists;

public static class BlocklistData
{
    extension(AppDbContext db)
    {
        public DbSet<AccountBlock> AccountBlocks => db.Set<AccountBlock>();
        public DbSet<ServerBlock> ServerBlocks => db.Set<ServerBlock>();
        public DbSet<BlocklistLogEntry> BlocklistLog => db.Set<BlocklistLogEntry>();
        public DbSet<BlocklistSubscription> BlocklistSubscriptions => db.Set<BlocklistSubscription>();
    }
}

internal sealed class AccountBlockConfiguration : IEntityTypeConfiguration<AccountBlock>
{
    public void Configure(EntityTypeBuilder<AccountBlock> e)
    {
        e.ToTable("AccountBlocks");
        e.HasIndex(b => new { b.TargetAccountId, b.ByUserId });
        e.HasOne(b => b.TargetAccount).WithMany().HasForeignKey(b => b.TargetAccountId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<User>().WithMany().HasForeignKey(b => b.ByUserId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne(b => b.Subscription).WithMany().HasForeignKey(b => b.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ServerBlockConfiguration : IEntityTypeConfiguration<ServerBlock>
{
    public void Configure(EntityTypeBuilder<ServerBlock> e)
    {
        e.ToTable("ServerBlocks");
        e.Property(b => b.Host).HasMaxLength(255);
        e.HasIndex(b => new { b.Host, b.ByUserId });
        e.HasOne<User>().WithMany().HasForeignKey(b => b.ByUserId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne(b => b.Subscription).WithMany().HasForeignKey(b => b.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class BlocklistLogConfiguration : IEntityTypeConfiguration<BlocklistLogEntry>
{
    public void Configure(EntityTypeBuilder<BlocklistLogEntry> e)
    {
        e.ToTable("BlocklistLog");
        e.Property(l => l.Action).HasMaxLength(16);
        e.Property(l => l.Target).HasMaxLength(600);
        e.HasIndex(l => new { l.ByUserId, l.CreatedAt });
        e.HasOne<BlocklistSubscription>().WithMany().HasForeignKey(l => l.SubscriptionId).OnDelete(DeleteBehavior.SetNull);
    }
}

internal sealed class BlocklistSubscriptionConfiguration : IEntityTypeConfiguration<BlocklistSubscription>
{
    public void Configure(EntityTypeBuilder<BlocklistSubscription> e)
    {
        e.ToTable("BlocklistSubscriptions");
        e.HasIndex(s => s.Url).IsUnique();
        e.Property(s => s.Url).HasMaxLength(2000);
        e.Property(s => s.Name).HasMaxLength(200);
        e.Property(s => s.LastError).HasMaxLength(1000);
    }
}
