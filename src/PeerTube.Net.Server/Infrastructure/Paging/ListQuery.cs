using System.Globalization;

namespace PeerTube.Net.Server.Infrastructure.Paging;

/// <summary>PeerTube's list parameters: start, count (at most 100), sort ("-createdAt" and the like).</summary>
public sealed record ListQuery(int Start, int Count, string Column, bool Descending)
{
    public const int MaxCount = 100;

    /// <summary>Reads the query string; a wrong value is a 400 naming the parameter, never a 500.</summary>
    public static ListQuery Read(HttpRequest request, IReadOnlySet<string> sortColumns, string defaultSort)
    {
        var q = request.Query;
        var errors = new Dictionary<string, string>();
        var start = Int(q["start"], 0, "start", errors);
        var count = Int(q["count"], 15, "count", errors);
        if (start < 0)
        {
            errors["start"] = "Should have a number as start, 0 or more.";
        }

        if (count is < 0 or > MaxCount)
        {
            errors["count"] = $"Should have a number of items to list between 0 and {MaxCount}.";
        }

        var sort = q["sort"].ToString() is { Length: > 0 } s ? s : defaultSort;
        var column = sort.TrimStart('-');
        if (!sortColumns.Contains(column))
        {
            errors["sort"] = "Should have correct sortable column.";
        }

        if (errors.Count > 0)
        {
            throw new ApiProblemException(ApiProblem.InvalidParams(errors));
        }

        return new ListQuery(start, count, column, sort.StartsWith('-'));
    }

    /// <summary>An integer query parameter; a malformed one is recorded in <paramref name="errors"/> under its name.</summary>
    public static int Int(string? value, int fallback, string name, Dictionary<string, string> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            return fallback;
        }

        if (int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i))
        {
            return i;
        }

        errors[name] = $"Should have a valid {name}.";
        return fallback;
    }
}
