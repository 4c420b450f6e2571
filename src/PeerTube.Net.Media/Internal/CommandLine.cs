using System.Text;

namespace PeerTube.Net.Media.Internal;

internal static class CommandLine
{
    /// <summary>A copy-pasteable rendering for logs only; execution always goes through ArgumentList.</summary>
    public static string Format(string executable, IReadOnlyList<string> arguments)
    {
        var builder = new StringBuilder(Quote(executable));
        foreach (var argument in arguments)
        {
            builder.Append(' ').Append(Quote(argument));
        }

        return builder.ToString();
    }

    private static string Quote(string value)
    {
        if (value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,+@%".Contains(c)))
        {
            return value;
        }

        return "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}
