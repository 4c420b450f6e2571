namespace PeerTube.Net.Media.Profiles;

/// <summary>A transcoding profile file is malformed; the message names the file and the field.</summary>
public sealed class InvalidProfileException : Exception
{
    public InvalidProfileException(string source, string field, string problem, Exception? innerException = null)
        : base($"Transcoding profile '{source}' is invalid: {field}: {problem}", innerException)
    {
        ProfileSource = source;
        Field = field;
    }

    /// <summary>The file path (or the name given to <see cref="TranscodingProfile.Parse"/>).</summary>
    public string ProfileSource { get; }

    /// <summary>The JSON path of the offending field, e.g. <c>fps.max</c> or <c>video.args[3]</c>.</summary>
    public string Field { get; }
}
