using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PeerTube.Net.Server.Features.Accounts;

public static class AccountsData
{
    extension(AppDbContext db)
    {
        public DbSet<User> Users => db.Set<User>();
    }
}

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> e)
    {
        e.ToTable("Users");
        e.HasIndex(u => u.Username).IsUnique();
        e.HasIndex(u => u.Email).IsUnique();
        e.Property(u => u.Username).HasMaxLength(50);
        e.Property(u => u.Email).HasMaxLength(400);
        // The migration gives existing users PeerTube's defaults (display, P2P on, autoplay on).
        e.Property(u => u.NsfwPolicy).HasMaxLength(20);
        e.Property(u => u.VideoLanguages).HasMaxLength(2000);
        e.HasOne(u => u.Account).WithOne().HasForeignKey<Account>(a => a.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
