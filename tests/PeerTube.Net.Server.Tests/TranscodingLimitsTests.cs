using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PeerTube.Net.Media;
using PeerTube.Net.Media.Probing;
using PeerTube.Net.Media.Profiles;
using PeerTube.Net.Server.Features.Transcoding;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests;

/// <summary>Transcoding:Limits are checked again before ffmpeg runs, for sources accepted under looser limits.</summary>
public sealed class TranscodingLimitsTests
{
    [Fact]
    public async Task The_transcoder_refuses_a_source_over_the_limits_before_running_ffmpeg()
    {
        var options = new TranscodingOptions { Limits = { MaxDurationSeconds = 1 } };
        var tools = new FfmpegTools();
        var transcoder = new VideoTranscoder(new MediaProber(tools), new FfmpegRunner(tools), TranscodingProfile.Load(options.ResolveProfilePath()),
            Options.Create(options), NullLogger<VideoTranscoder>.Instance);
        var work = Path.Combine(Path.GetTempPath(), $"limits-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        var source = await TestMedia.VideoAsync();
        try
        {
            var error = await Assert.ThrowsAsync<MediaRefusedException>(() => transcoder.TranscodeAsync(source, work,
                makeImages: false, new Progress<double>(), TextWriter.Null, TestContext.Current.CancellationToken));

            Assert.Equal(MediaLimits.DurationTooLong, error.Code);
            Assert.Empty(Directory.EnumerateFiles(work, "*", SearchOption.AllDirectories));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
