using PeerTube.Net.Media.Images;
using PeerTube.Net.Media.Tests.Support;

namespace PeerTube.Net.Media.Tests;

public sealed class ImageTests(GeneratedMedia media)
{
    [Fact]
    public void Frame_grab_seeks_before_the_input_and_crops_to_the_aspect_then_scales()
    {
        var args = ImageCommands.BuildFrameGrab("/in/v.mp4", "/out/t.jpg", TimeSpan.FromSeconds(12.5), 280, 157);

        Assert.True(args.ToList().IndexOf("-ss") < args.ToList().IndexOf("-i"));
        Assert.Equal("00:00:12.500", args[args.ToList().IndexOf("-ss") + 1]);
        // FFMpegCore's -vf rendering: ", " between filters, commas inside values escaped for the filter parser.
        Assert.Equal(@"crop=w='min(iw\,ih*280/157)':h='min(ih\,iw*157/280)', scale=280:157, setsar=1", args[args.ToList().IndexOf("-vf") + 1]);
        Assert.Equal("1", args[args.ToList().IndexOf("-frames:v") + 1]);
        Assert.Equal(["/out/t.jpg", "-y"], args.TakeLast(2));
    }

    [Theory]
    [InlineData(ImageCommands.ThumbnailWidth, ImageCommands.ThumbnailHeight)]
    [InlineData(ImageCommands.PreviewWidth, ImageCommands.PreviewHeight)]
    public async Task Frame_grab_produces_a_jpeg_of_exactly_the_requested_size(int width, int height)
    {
        using var dir = new TempDirectory();
        var output = dir.File("thumb.jpg");
        var args = ImageCommands.BuildFrameGrab(await media.Landscape360, output, TimeSpan.FromSeconds(2), width, height);

        await new FfmpegRunner(new FfmpegTools()).RunAsync(args, TimeSpan.Zero, null, null, TestContext.Current.CancellationToken);

        Assert.Equal((width, height, "mjpeg"), await Ffprobe.FirstVideoStreamAsync(output));
    }
}
