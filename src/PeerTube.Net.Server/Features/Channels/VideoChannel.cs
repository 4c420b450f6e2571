using PeerTube.Net.Server.Features.Accounts;

namespace PeerTube.Net.Server.Features.Channels;

public sealed class VideoChannel
{
    public int Id { get; set; }

    /// <summary>The handle (preferredUsername), unique on the instance.</summary>
    public required string Name { get; set; }
    public required string DisplayName { get; set; }
    public string? Description { get; set; }
    public string? Support { get; set; }
    public int AccountId { get; set; }
    public Account? Account { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
