namespace PeerTube.Net.Server.Features.Videos;

/// <summary>Account and channel handles: ours are stored as "name", remote ones as "name@host".</summary>
public static class Handles
{
    /// <summary>The stored name for a handle: without the host when it is ours, whole otherwise.</summary>
    public static string Local(string handle, InstanceOptions instance)
    {
        var at = handle.IndexOf('@');
        return at >= 0 && string.Equals(handle[(at + 1)..], instance.Host, StringComparison.OrdinalIgnoreCase) ? handle[..at] : handle;
    }
}
