using System.Text.Json;
using System.Text.Json.Nodes;
using PeerTube.Net.Media.Profiles;
using PeerTube.Net.Media.Tests.Support;

namespace PeerTube.Net.Media.Tests;

public sealed class ProfileTests
{
    [Fact]
    public void Default_profile_matches_PeerTube_defaults()
    {
        var profile = TestProfiles.Default;

        Assert.Equal("default", profile.Name);
        Assert.Equal([144, 240, 360, 480, 720, 1080, 1440, 2160], profile.Resolutions);
        Assert.True(profile.AudioOnlyRendition);
        Assert.Equal(2, profile.KeyframeIntervalSeconds);
        Assert.Equal(4, profile.HlsSegmentDurationSeconds);
        Assert.Equal((1d, 60d, 720), (profile.Fps.Min, profile.Fps.Max, profile.Fps.KeepOriginFpsResolutionMin));
        Assert.Equal([24d, 25d, 30d], profile.Fps.Standard);
        Assert.Equal([50d, 60d], profile.Fps.HdStandard);
        Assert.Equal("libx264", profile.Video.Encoder);
        Assert.Equal(
            ["-preset", "veryfast", "-maxrate:v", "{bitrate}", "-bufsize:v", "{bufsize}", "-b_strategy", "1", "-bf", "16", "-r", "{fps}"],
            profile.Video.Args);
        Assert.Equal(("aac", 384), (profile.Audio.Encoder, profile.AudioBitrate.MaxKbps));
        Assert.True(profile.QuickTranscode.AllowVideoCopy);

        var row1080 = profile.VideoBitrate.BitsPerPixel.Single(r => r.Resolution == 1080);
        Assert.Equal((0.02, 0.10, 0.17), (row1080.Min, row1080.Average, row1080.Max));
    }

    [Fact]
    public void Every_shipped_profile_loads()
    {
        var files = Directory.GetFiles(Path.GetDirectoryName(TestProfiles.DefaultPath)!, "*.json");

        Assert.NotEmpty(files);
        Assert.All(files, file => Assert.Equal(Path.GetFileNameWithoutExtension(file), TranscodingProfile.Load(file).Name));
    }

    [Fact]
    public void Load_error_names_the_file_and_the_field()
    {
        using var dir = new TempDirectory();
        var path = dir.File("broken.json");
        File.WriteAllText(path, Mutate(json => json["fps"]!["max"] = -5));

        var ex = Assert.Throws<InvalidProfileException>(() => TranscodingProfile.Load(path));

        Assert.Contains(path, ex.Message);
        Assert.Contains("fps.max", ex.Message);
        Assert.Equal("fps.max", ex.Field);
        Assert.Equal(path, ex.ProfileSource);
    }

    [Fact]
    public void Malformed_json_is_reported()
    {
        var ex = Assert.Throws<InvalidProfileException>(() => TranscodingProfile.Parse("""{ "resolutions": [144, ] ,, }""", "custom"));

        Assert.StartsWith("Transcoding profile 'custom' is invalid", ex.Message);
    }

    [Fact]
    public void Missing_required_section_is_named()
    {
        var ex = Assert.Throws<InvalidProfileException>(() => TranscodingProfile.Parse(Mutate(json => json.Remove("videoBitrate")), "custom"));

        Assert.Contains("videoBitrate", ex.Message);
    }

    [Fact]
    public void Misspelled_field_is_rejected_rather_than_ignored()
    {
        var ex = Assert.Throws<InvalidProfileException>(() => TranscodingProfile.Parse(Mutate(json => json["resolution"] = 720), "custom"));

        Assert.Contains("resolution", ex.Message);
    }

    [Fact]
    public void Wrong_type_names_the_path()
    {
        var ex = Assert.Throws<InvalidProfileException>(() => TranscodingProfile.Parse(Mutate(json => json["fps"]!["standard"] = "30"), "custom"));

        Assert.Equal("fps.standard", ex.Field);
    }

    [Fact]
    public void Null_section_is_rejected()
    {
        var ex = Assert.Throws<InvalidProfileException>(() => TranscodingProfile.Parse(Mutate(json => json["video"] = null), "custom"));

        Assert.Contains("video", ex.Message);
    }

    [Fact]
    public void Unknown_placeholder_points_at_the_argument()
    {
        var ex = Assert.Throws<InvalidProfileException>(
            () => TranscodingProfile.Parse(Mutate(json => json["video"]!["args"]![3] = "{bitrat}"), "custom"));

        Assert.Equal("video.args[3]", ex.Field);
        Assert.Contains("{bitrat}", ex.Message);
    }

    [Theory]
    [InlineData("resolutions", "[]", "resolutions")]
    [InlineData("resolutions", "[144, 144]", "resolutions")]
    [InlineData("resolutions", "[0]", "resolutions[0]")]
    [InlineData("hlsSegmentDurationSeconds", "5", "hlsSegmentDurationSeconds")]
    [InlineData("keyframeIntervalSeconds", "0", "keyframeIntervalSeconds")]
    [InlineData("outputArgs", """["-map_metadata", ""]""", "outputArgs[1]")]
    public void Out_of_range_values_are_rejected(string property, string value, string expectedField)
    {
        var ex = Assert.Throws<InvalidProfileException>(
            () => TranscodingProfile.Parse(Mutate(json => json[property] = JsonNode.Parse(value)), "custom"));

        Assert.Equal(expectedField, ex.Field);
    }

    [Fact]
    public void Bits_per_pixel_rows_must_be_ordered_min_average_max()
    {
        var ex = Assert.Throws<InvalidProfileException>(
            () => TranscodingProfile.Parse(Mutate(json => json["videoBitrate"]!["bitsPerPixel"]![2]!["average"] = 0.9), "custom"));

        Assert.Equal("videoBitrate.bitsPerPixel[2]", ex.Field);
    }

    [Fact]
    public void Quick_transcode_is_off_when_the_section_is_absent()
    {
        var profile = TranscodingProfile.Parse(Mutate(json => json.Remove("quickTranscode")), "custom");

        Assert.Equal("custom", profile.Name);
        Assert.False(profile.QuickTranscode.AllowVideoCopy);
        Assert.False(profile.QuickTranscode.AllowAudioCopy);
    }

    [Fact]
    public void Missing_encoders_are_listed()
    {
        var capabilities = new FfmpegCapabilities("5.1", new HashSet<string> { "aac" });

        Assert.Equal(["libx264"], TestProfiles.Default.MissingEncoders(capabilities));
    }

    private static string Mutate(Action<JsonObject> change)
    {
        var json = JsonNode.Parse(TestProfiles.DefaultJson, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
        change(json);
        return json.ToJsonString();
    }
}
