namespace PeerTube.Net.Server.Features.Videos;

/// <summary>PeerTube's constant tables (server/initializers/constants.ts), with their English labels.</summary>
public static class VideoConstants
{
    public static readonly IReadOnlyDictionary<int, string> Categories = new Dictionary<int, string>
    {
        [1] = "Music", [2] = "Films", [3] = "Vehicles", [4] = "Art", [5] = "Sports", [6] = "Travels", [7] = "Gaming",
        [8] = "People", [9] = "Comedy", [10] = "Entertainment", [11] = "News & Politics", [12] = "How To", [13] = "Education",
        [14] = "Activism", [15] = "Science & Technology", [16] = "Animals", [17] = "Kids", [18] = "Food",
    };

    public static readonly IReadOnlyDictionary<int, string> Licences = new Dictionary<int, string>
    {
        [1] = "Attribution", [2] = "Attribution - Share Alike", [3] = "Attribution - No Derivatives", [4] = "Attribution - Non Commercial",
        [5] = "Attribution - Non Commercial - Share Alike", [6] = "Attribution - Non Commercial - No Derivatives", [7] = "Public Domain Dedication",
    };

    public static readonly IReadOnlyDictionary<int, string> Privacies = new Dictionary<int, string>
    {
        [1] = "Public", [2] = "Unlisted", [3] = "Private", [4] = "Internal", [5] = "Password protected",
    };

    public static readonly IReadOnlyDictionary<int, string> States = new Dictionary<int, string>
    {
        [1] = "Published", [2] = "To transcode", [4] = "Waiting for livestream", [5] = "Livestream ended", [7] = "Transcoding failed",
    };

    public static readonly IReadOnlyDictionary<int, string> CommentsPolicies = new Dictionary<int, string>
    {
        [1] = "Enabled", [2] = "Disabled", [3] = "Requires approval",
    };

    /// <summary>File extensions accepted for upload (PeerTube's video and audio lists).</summary>
    public static readonly IReadOnlySet<string> UploadExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".mp4", ".m4v", ".ogv", ".webm", ".mkv", ".mov", ".qt", ".mqv", ".mpg", ".mpeg", ".flv", ".f4v", ".wmv", ".avi", ".3gp",
        ".3gpp", ".3g2", ".3gpp2", ".nut", ".mts", ".m2ts", ".mpv", ".m2v", ".m1v", ".mp2", ".ts", ".mxf",
        ".mp3", ".ogg", ".oga", ".flac", ".wav", ".m4a", ".aac", ".opus", ".wma", ".ac3", ".amr",
    };
}
