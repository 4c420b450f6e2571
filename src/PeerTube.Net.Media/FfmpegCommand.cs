using System.Collections;
using FFMpegCore;
using PeerTube.Net.Media.Internal;

namespace PeerTube.Net.Media;

/// <summary>
/// An ffmpeg command built with FFMpegCore's <see cref="FFMpegArguments"/> and run by FFMpegCore's
/// <see cref="FFMpegArgumentProcessor"/> (see <see cref="FfmpegRunner.RunAsync(FfmpegCommand, TimeSpan, IProgress{double}, TextWriter, CancellationToken)"/>).
/// As a list it is the exact argument vector ffmpeg receives: FFMpegCore's argument string split the way .NET splits it.
/// </summary>
public sealed class FfmpegCommand : IReadOnlyList<string>
{
    private readonly Func<FFMpegArgumentProcessor> _build;
    private readonly IReadOnlyList<string> _tokens;

    /// <param name="build">Builds a fresh processor each time: a processor keeps the callbacks and cancellation of one run.</param>
    internal FfmpegCommand(Func<FFMpegArgumentProcessor> build)
    {
        _build = build;
        Text = build().Arguments;
        _tokens = CommandLine.Split(Text);
    }

    /// <summary>The argument string FFMpegCore passes to the process, exactly.</summary>
    public string Text { get; }

    public int Count => _tokens.Count;

    public string this[int index] => _tokens[index];

    public IEnumerator<string> GetEnumerator() => _tokens.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => Text;

    internal FFMpegArgumentProcessor CreateProcessor() => _build();
}
