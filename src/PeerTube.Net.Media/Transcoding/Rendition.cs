namespace PeerTube.Net.Media.Transcoding;

/// <summary>One HLS variant to produce.</summary>
/// <param name="Resolution">PeerTube's resolution: the short side, min(width, height); 0 for audio-only.</param>
/// <param name="Width">Output width (even); 0 for audio-only.</param>
/// <param name="Height">Output height (even); 0 for audio-only.</param>
/// <param name="Fps">Output frame rate; 0 for audio-only.</param>
/// <param name="VideoBitrate">Bits/s: the encoder's maxrate, or the input's video bitrate when <paramref name="CopyVideo"/>; 0 for audio-only.</param>
/// <param name="CopyVideo">Stream-copy the input video (quick transcode) instead of encoding.</param>
/// <param name="CopyAudio">Stream-copy the input audio instead of encoding.</param>
/// <param name="AudioOnly">No video in this rendition.</param>
/// <param name="HasAudio">The rendition carries an audio track.</param>
public sealed record Rendition(
    int Resolution,
    int Width,
    int Height,
    double Fps,
    long VideoBitrate,
    bool CopyVideo,
    bool CopyAudio,
    bool AudioOnly,
    bool HasAudio)
{
    /// <summary>Audio encoder bitrate in bits/s (<c>-b:a</c>); null when copying or when the encoder default applies.</summary>
    public long? AudioBitrate { get; init; }
}

/// <summary>The renditions to produce, highest resolution first, audio-only last.</summary>
public sealed record TranscodePlan(IReadOnlyList<Rendition> Renditions);
