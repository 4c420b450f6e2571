namespace PeerTube.Net.Server.Infrastructure.Data;

/// <summary>Small key/value facts about the instance, such as the local OAuth client's credentials.</summary>
public sealed class InstanceSetting
{
    public required string Key { get; set; }
    public required string Value { get; set; }
}
