using System.Text;

namespace PeerTube.Net.Media.Internal;

internal static class CommandLine
{
    /// <summary>A copy-pasteable rendering for logs only; execution goes through ArgumentList or FFMpegCore's argument string.</summary>
    public static string Format(string executable, IReadOnlyList<string> arguments)
    {
        var builder = new StringBuilder(Quote(executable));
        foreach (var argument in arguments)
        {
            builder.Append(' ').Append(Quote(argument));
        }

        return builder.ToString();
    }

    /// <summary>A shell-safe rendering of one word, for log lines.</summary>
    public static string Quote(string value)
    {
        if (value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,+@%".Contains(c)))
        {
            return value;
        }

        return "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>
    /// One token for <see cref="System.Diagnostics.ProcessStartInfo.Arguments"/>, which is what FFMpegCore hands its argument
    /// string to: .NET splits it back with the Windows (CommandLineToArgvW) rules on every OS, so quotes and the
    /// backslashes before them are escaped for those rules.
    /// </summary>
    public static string QuoteForArguments(string value)
    {
        if (value.Length > 0 && !value.Any(c => char.IsWhiteSpace(c) || c == '"'))
        {
            return value;
        }

        var builder = new StringBuilder("\"");
        for (var i = 0; i < value.Length; i++)
        {
            var backslashes = 0;
            while (i < value.Length && value[i] == '\\')
            {
                backslashes++;
                i++;
            }

            if (i == value.Length)
            {
                builder.Append('\\', backslashes * 2);
                break;
            }

            if (value[i] == '"')
            {
                builder.Append('\\', (backslashes * 2) + 1).Append('"');
            }
            else
            {
                builder.Append('\\', backslashes).Append(value[i]);
            }
        }

        return builder.Append('"').ToString();
    }

    /// <summary>
    /// Splits an argument string the way .NET does before it starts the process (the Windows rules, on every OS), so
    /// tests and callers can see the exact tokens ffmpeg receives from an FFMpegCore-built command.
    /// </summary>
    public static IReadOnlyList<string> Split(string arguments)
    {
        var tokens = new List<string>();
        var i = 0;
        while (true)
        {
            while (i < arguments.Length && char.IsWhiteSpace(arguments[i]))
            {
                i++;
            }

            if (i == arguments.Length)
            {
                return tokens;
            }

            var token = new StringBuilder();
            var inQuotes = false;
            while (i < arguments.Length && (inQuotes || !char.IsWhiteSpace(arguments[i])))
            {
                var c = arguments[i];
                if (c == '\\')
                {
                    var backslashes = 0;
                    while (i < arguments.Length && arguments[i] == '\\')
                    {
                        backslashes++;
                        i++;
                    }

                    if (i < arguments.Length && arguments[i] == '"')
                    {
                        token.Append('\\', backslashes / 2);
                        if (backslashes % 2 == 1)
                        {
                            token.Append('"');
                            i++;
                        }
                    }
                    else
                    {
                        token.Append('\\', backslashes);
                    }
                }
                else if (c == '"')
                {
                    if (inQuotes && i + 1 < arguments.Length && arguments[i + 1] == '"')
                    {
                        token.Append('"');
                        i += 2;
                    }
                    else
                    {
                        inQuotes = !inQuotes;
                        i++;
                    }
                }
                else
                {
                    token.Append(c);
                    i++;
                }
            }

            tokens.Add(token.ToString());
        }
    }

    /// <summary>
    /// FFMpegCore writes input and output paths as <c>"path"</c> without escaping: a quote inside, or a backslash at the
    /// end, would change how the string splits. Our paths are server-made, so refusing them costs nothing.
    /// </summary>
    public static string EnsureQuotablePath(string path, string parameterName)
    {
        ArgumentException.ThrowIfNullOrEmpty(path, parameterName);
        if (path.Contains('"', StringComparison.Ordinal) || path.EndsWith('\\'))
        {
            throw new ArgumentException($"The path '{path}' cannot be passed through FFMpegCore's argument string.", parameterName);
        }

        return path;
    }
}
