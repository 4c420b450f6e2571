using FFMpegCore.Arguments;

namespace PeerTube.Net.Media.Internal;

/// <summary>
/// Options FFMpegCore 6.0.0 has no typed argument for (HLS muxer options, global flags, profile arguments, which are
/// data), added through its <see cref="IArgument"/> extension point. Unlike <c>WithCustomArgument(string)</c>, each
/// token is quoted, so a value with a space or a quote still reaches ffmpeg as one argument.
/// </summary>
internal sealed class RawArguments(params IEnumerable<string> tokens) : IArgument
{
    private readonly IReadOnlyList<string> _tokens = [.. tokens];

    public string Text => string.Join(' ', _tokens.Select(CommandLine.QuoteForArguments));
}
