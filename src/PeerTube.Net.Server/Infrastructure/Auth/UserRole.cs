namespace PeerTube.Net.Server.Infrastructure.Auth;

/// <summary>PeerTube's UserRole values.</summary>
public enum UserRole
{
    Administrator = 0,
    Moderator = 1,
    User = 2,
}
