using PeerTube.Net.Media.Tests.Support;

[assembly: AssemblyFixture(typeof(GeneratedMedia))]

namespace PeerTube.Net.Media.Tests.Support;

/// <summary>
/// Tiny media files made with ffmpeg's lavfi sources on first use, shared by the whole test run and deleted at the end.
/// </summary>
public sealed class GeneratedMedia : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly Lazy<Task<string>> _landscape360;
    private readonly Lazy<Task<string>> _tiny90;
    private readonly Lazy<Task<string>> _audioOnly;
    private readonly Lazy<Task<string>> _mp3WithCover;
    private readonly Lazy<Task<string>> _rotated;
    private readonly Lazy<Task<string>> _noAudio;
    private readonly Lazy<Task<string>> _nineSeconds;

    public GeneratedMedia()
    {
        // The source the brief specifies: 640x360, 4 s, 30 fps H.264 + AAC.
        _landscape360 = Make("landscape-360.mp4",
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", "4", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac");
        _tiny90 = Make("tiny-90.mp4",
            "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25",
            "-f", "lavfi", "-i", "sine=frequency=330:sample_rate=44100",
            "-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac");
        _audioOnly = Make("audio-only.m4a",
            "-f", "lavfi", "-i", "sine=frequency=220:sample_rate=44100",
            "-t", "2", "-c:a", "aac", "-b:a", "96k");
        _mp3WithCover = Make("with-cover.mp3",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
            "-f", "lavfi", "-i", "color=c=red:s=64x64",
            "-t", "2", "-map", "0:a", "-map", "1:v", "-frames:v", "1",
            "-c:a", "libmp3lame", "-c:v", "png", "-disposition:v", "attached_pic", "-id3v2_version", "3");
        _noAudio = Make("no-audio.mp4",
            "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25",
            "-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p");
        _rotated = new Lazy<Task<string>>(async () =>
        {
            var plain = await NoAudio;
            var path = _directory.File("rotated.mp4");
            await RunAsync(["-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=90", path]);
            return path;
        });
        _nineSeconds = Make("nine-seconds.mp4",
            "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", "9", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac");
    }

    public Task<string> Landscape360 => _landscape360.Value;

    public Task<string> Tiny90 => _tiny90.Value;

    public Task<string> AudioOnly => _audioOnly.Value;

    public Task<string> Mp3WithCover => _mp3WithCover.Value;

    public Task<string> NoAudio => _noAudio.Value;

    /// <summary>320x180 frames with a 90° display matrix: displayed as 180x320.</summary>
    public Task<string> Rotated => _rotated.Value;

    public Task<string> NineSeconds => _nineSeconds.Value;

    public void Dispose() => _directory.Dispose();

    private Lazy<Task<string>> Make(string name, params string[] arguments) =>
        new(async () =>
        {
            var path = _directory.File(name);
            await RunAsync([.. arguments, path]);
            return path;
        });

    private static Task RunAsync(IReadOnlyList<string> arguments) =>
        new FfmpegRunner(new FfmpegTools())
            .RunAsync(["-hide_banner", "-nostdin", "-y", "-v", "error", .. arguments], TimeSpan.Zero, null, null, CancellationToken.None);
}
