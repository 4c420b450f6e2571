using PeerTube.Net.Media.Profiles;

namespace PeerTube.Net.Media.Tests.Support;

internal static class TestProfiles
{
    public static string DefaultPath { get; } = Path.Combine(AppContext.BaseDirectory, "ffmpeg-profiles", "default.json");

    public static string DefaultJson => File.ReadAllText(DefaultPath);

    public static TranscodingProfile Default { get; } = TranscodingProfile.Load(DefaultPath);

    public static TranscodingProfile NoCopy { get; } = Default with { QuickTranscode = QuickTranscodeRules.Disabled };
}
