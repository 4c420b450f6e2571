namespace PeerTube.Net.Media.Probing;

/// <summary>The file is not media we can transcode; <see cref="Exception.Message"/> is a reason fit to show the uploader.</summary>
public sealed class UnreadableMediaException : Exception
{
    public UnreadableMediaException(string reason)
        : base(reason)
    {
    }

    public UnreadableMediaException(string reason, Exception innerException)
        : base(reason, innerException)
    {
    }
}
