namespace PeerTube.Net.Media.Transcoding;

/// <summary>Where one rendition is written: its media playlist and its single fragmented MP4 (byte-range segments).</summary>
/// <remarks>Keep both in the same directory: ffmpeg writes the fragmented file's name into the playlist relative to it.</remarks>
public sealed record RenditionOutput(Rendition Rendition, string PlaylistPath, string FragmentedFilePath);
