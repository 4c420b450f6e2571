using System.Reflection;
using NetArchTest.Rules;
using TestResult = NetArchTest.Rules.TestResult;

namespace PeerTube.Net.Server.Tests;

/// <summary>
/// The floors the code stands on (docs/adr/007-floors.md): Infrastructure uses no feature; Videos, the model, uses no
/// other feature; the Media library knows nothing of the web, the database or jobs; and no two features use each other.
/// These read the compiled assemblies, so a reference in a comment does not count and a hidden one does.
/// </summary>
public sealed class ArchitectureTests
{
    private const string Features = "PeerTube.Net.Server.Features";
    private const string Infrastructure = "PeerTube.Net.Server.Infrastructure";

    /// <summary>
    /// Two-way pairs allowed for now, each named with why. The list may only shrink: a new pair fails the test.
    /// </summary>
    private static readonly HashSet<(string, string)> KnownTwoWayPairs = [];

    private static readonly Assembly Server = typeof(Program).Assembly;

    private static IReadOnlyList<string> FeatureNames { get; } = Server.GetTypes()
        .Select(t => t.Namespace)
        .OfType<string>()
        .Where(ns => ns.StartsWith(Features + ".", StringComparison.Ordinal))
        .Select(ns => ns[(Features.Length + 1)..].Split('.')[0])
        .Distinct()
        .Order(StringComparer.Ordinal)
        .ToList();

    [Fact]
    public void The_features_are_found()
    {
        Assert.Contains("Videos", FeatureNames);
        Assert.Contains("Federation", FeatureNames);
        Assert.True(FeatureNames.Count >= 12, string.Join(", ", FeatureNames));
        // The check sees a real use, so that a passing test below means something.
        Assert.True(Uses("Web", "Videos"));
        Assert.True(Uses("Federation", "Videos"));
        Assert.False(Uses("Videos", "Web"));
    }

    [Fact]
    public void Infrastructure_depends_on_no_feature()
    {
        var result = Types.InAssembly(Server).That().ResideInNamespace(Infrastructure)
            .ShouldNot().HaveDependencyOnAny(FeatureNames.Select(f => $"{Features}.{f}").ToArray())
            .GetResult();
        Assert.True(result.IsSuccessful, "Infrastructure types that use a feature: " + Failing(result));
    }

    [Fact]
    public void Videos_depends_on_no_other_feature()
    {
        var others = FeatureNames.Where(f => f != "Videos").Select(f => $"{Features}.{f}").ToArray();
        var result = Types.InAssembly(Server).That().ResideInNamespace($"{Features}.Videos")
            .ShouldNot().HaveDependencyOnAny(others)
            .GetResult();
        Assert.True(result.IsSuccessful, "Videos types that use another feature: " + Failing(result));
    }

    [Fact]
    public void Media_depends_on_no_web_database_or_jobs()
    {
        var result = Types.InAssembly(typeof(Media.Probing.MediaProber).Assembly)
            .ShouldNot().HaveDependencyOnAny("Microsoft.AspNetCore", "Microsoft.EntityFrameworkCore", "Hangfire", "PeerTube.Net.Server")
            .GetResult();
        Assert.True(result.IsSuccessful, "Media types that use ASP.NET Core, EF Core, Hangfire or the server: " + Failing(result));
    }

    [Fact]
    public void No_two_features_depend_on_each_other()
    {
        var uses = FeatureNames.ToDictionary(f => f, f => FeatureNames.Where(g => g != f && Uses(f, g)).ToHashSet());
        var pairs = FeatureNames.SelectMany(f => uses[f].Where(g => string.CompareOrdinal(f, g) < 0 && uses[g].Contains(f)).Select(g => (f, g)))
            .ToList();

        var unexpected = pairs.Where(p => !KnownTwoWayPairs.Contains(p)).ToList();
        Assert.True(unexpected.Count == 0, "Features that use each other: " + string.Join("; ", unexpected.Select(p =>
            $"{p.Item1} ↔ {p.Item2} ({Failing(Check(p.Item1, p.Item2))} / {Failing(Check(p.Item2, p.Item1))})")));

        var healed = KnownTwoWayPairs.Where(p => !pairs.Contains(p)).ToList();
        Assert.True(healed.Count == 0, "No longer two-way, take them off KnownTwoWayPairs: " + string.Join("; ", healed));
    }

    private static bool Uses(string feature, string other) => !Check(feature, other).IsSuccessful;

    private static TestResult Check(string feature, string other) =>
        Types.InAssembly(Server).That().ResideInNamespace($"{Features}.{feature}")
            .ShouldNot().HaveDependencyOn($"{Features}.{other}")
            .GetResult();

    private static string Failing(TestResult result) =>
        result.IsSuccessful ? "none" : string.Join(", ", (result.FailingTypeNames ?? []).Take(8));
}
