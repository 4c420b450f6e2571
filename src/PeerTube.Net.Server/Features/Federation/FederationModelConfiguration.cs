using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PeerTube.Net.Server.Features.Federation;

public static class FederationData
{
    extension(AppDbContext db)
    {
        public DbSet<Actor> Actors => db.Set<Actor>();
        public DbSet<ActorFollow> ActorFollows => db.Set<ActorFollow>();
        public DbSet<Delivery> Deliveries => db.Set<Delivery>();
        public DbSet<UnreachableHost> UnreachableHosts => db.Set<UnreachableHost>();
        public DbSet<InboxActivity> InboxActivities => db.Set<InboxActivity>();
    }
}

internal sealed class ActorConfiguration : IEntityTypeConfiguration<Actor>
{
    public void Configure(EntityTypeBuilder<Actor> e)
    {
        e.ToTable("Actors");
        e.HasIndex(a => a.Url).IsUnique();
        e.HasIndex(a => a.KeyId);
        e.HasIndex(a => new { a.PreferredUsername, a.Host });
        e.HasOne(a => a.Account).WithMany().HasForeignKey(a => a.AccountId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne(a => a.Channel).WithMany().HasForeignKey(a => a.ChannelId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ActorFollowConfiguration : IEntityTypeConfiguration<ActorFollow>
{
    public void Configure(EntityTypeBuilder<ActorFollow> e)
    {
        e.ToTable("ActorFollows");
        e.HasIndex(f => new { f.FollowerId, f.TargetId }).IsUnique();
        e.HasOne(f => f.Follower).WithMany().HasForeignKey(f => f.FollowerId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne(f => f.Target).WithMany().HasForeignKey(f => f.TargetId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DeliveryConfiguration : IEntityTypeConfiguration<Delivery>
{
    public void Configure(EntityTypeBuilder<Delivery> e)
    {
        e.ToTable("Deliveries");
        e.HasIndex(d => new { d.State, d.NextAttemptAt });
        e.HasOne(d => d.Sender).WithMany().HasForeignKey(d => d.SenderActorId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class UnreachableHostConfiguration : IEntityTypeConfiguration<UnreachableHost>
{
    public void Configure(EntityTypeBuilder<UnreachableHost> e) =>
        e.ToTable("UnreachableHosts")
            .HasKey(h => h.Host);
}

internal sealed class InboxActivityConfiguration : IEntityTypeConfiguration<InboxActivity>
{
    public void Configure(EntityTypeBuilder<InboxActivity> e)
    {
        e.ToTable("InboxActivities");
        e.HasIndex(a => a.ActivityId).IsUnique();
        e.HasIndex(a => a.ProcessedAt);
    }
}
