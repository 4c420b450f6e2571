using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Instance;

/// <summary>
/// Issue 17, "The admin's configuration": <c>GET /api/v1/config</c> in PeerTube's shape, and runtime settings at
/// <c>/api/v1/config/custom</c> that an administrator changes without a restart, stored in the database over appsettings.
/// </summary>
public sealed class InstanceConfigTests : IAsyncLifetime
{
    private ServerApplication _server = null!;
    private ServerApplication? _secondNode;

    public async ValueTask InitializeAsync() =>
        _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite, new Dictionary<string, string?> { ["Instance:Name"] = "From appsettings" });

    [Fact]
    public async Task The_public_config_has_PeerTubes_shape_and_says_what_this_server_does()
    {
        var config = await PeerTubeClient.Anonymous(_server).Http.GetFromJsonAsync<JsonElement>("/api/v1/config");
        Assert.Equal("From appsettings", config.GetProperty("instance").GetProperty("name").GetString());
        Assert.False(config.GetProperty("signup").GetProperty("allowed").GetBoolean());
        Assert.Equal(0, config.GetProperty("plugin").GetProperty("registered").GetArrayLength());
        Assert.True(config.GetProperty("transcoding").GetProperty("hls").GetProperty("enabled").GetBoolean());
        var resolutions = config.GetProperty("transcoding").GetProperty("enabledResolutions").EnumerateArray().Select(r => r.GetInt32()).ToList();
        Assert.Contains(720, resolutions);
        Assert.Contains(".mp4", config.GetProperty("video").GetProperty("file").GetProperty("extensions").EnumerateArray().Select(e => e.GetString()));
        Assert.True(config.GetProperty("federation").GetProperty("enabled").GetBoolean());
        Assert.Equal(-1, config.GetProperty("user").GetProperty("videoQuota").GetInt64());
        foreach (var section in new[] { "serverVersion", "client", "defaults", "search", "theme", "live", "import", "avatar", "trending", "tracker", "broadcastMessage", "views" })
        {
            Assert.True(config.TryGetProperty(section, out _), $"config.{section} is missing");
        }
    }

    [Fact]
    public async Task An_administrator_changes_the_instance_at_runtime_and_can_go_back_to_appsettings()
    {
        _secondNode = await ServerApplication.StartAsync(DatabaseKind.Sqlite,
            new Dictionary<string, string?> { ["Instance:Name"] = "From appsettings", ["Storage:Root"] = _server.StorageRoot });
        _ = _secondNode.CreateClient();
        var anonymous = PeerTubeClient.Anonymous(_server);
        var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var moderator = await root.Http.PostAsJsonAsync("/api/v1/users", new
        {
            username = "mod", password = "mod-password", email = "mod@example.test", role = 1, videoQuota = -1, videoQuotaDaily = -1,
        });
        await moderator.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var mod = await PeerTubeClient.LoginAsync(_server, "mod", "mod-password");

        // Only administrators read or change it; moderators neither.
        await (await anonymous.Http.GetAsync("/api/v1/config/custom")).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        await (await mod.Http.GetAsync("/api/v1/config/custom")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await mod.Http.PutAsJsonAsync("/api/v1/config/custom", new { instance = new { name = "Taken over" } })).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await mod.Http.DeleteAsync("/api/v1/config/custom")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);

        // PeerTube's admin page sends the whole document back: read it, change some fields, send it.
        var custom = await root.Http.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>("/api/v1/config/custom");
        Assert.Equal("From appsettings", custom!["instance"]!["name"]!.GetValue<string>());
        custom["instance"]!["name"] = "Renamed at runtime";
        custom["instance"]!["description"] = "We host **walks**.";
        custom["instance"]!["terms"] = "Be kind.";
        custom["signup"]!["minimumAge"] = 18;
        custom["user"]!["videoQuota"] = 5_000_000_000;

        // Wrong types and out-of-range values are refused by name, and nothing is kept of them.
        var bad = custom.DeepClone().AsObject();
        bad["instance"]!["name"] = 42;
        bad["signup"]!["minimumAge"] = 0;
        var refused = await (await root.Http.PutAsJsonAsync("/api/v1/config/custom", bad)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        var invalid = refused.GetProperty("invalid-params");
        Assert.True(invalid.TryGetProperty("instance.name", out _), invalid.ToString());
        Assert.True(invalid.TryGetProperty("signup.minimumAge", out _), invalid.ToString());
        Assert.Equal("From appsettings", (await anonymous.Http.GetFromJsonAsync<JsonElement>("/api/v1/config")).GetProperty("instance").GetProperty("name").GetString());
        await (await root.Http.PutAsync("/api/v1/config/custom", new StringContent("[1,2]", System.Text.Encoding.UTF8, "application/json")))
            .ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);

        var saved = await root.Http.PutAsJsonAsync("/api/v1/config/custom", custom);
        await saved.ShouldHaveStatusAsync(HttpStatusCode.OK);

        // Everyone sees it at once, without a restart: the config, the about page's API and the pages' header.
        var config = await anonymous.Http.GetFromJsonAsync<JsonElement>("/api/v1/config");
        Assert.Equal("Renamed at runtime", config.GetProperty("instance").GetProperty("name").GetString());
        Assert.Equal(18, config.GetProperty("signup").GetProperty("minimumAge").GetInt32());
        Assert.Equal(5_000_000_000, config.GetProperty("user").GetProperty("videoQuota").GetInt64());
        var about = (await anonymous.Http.GetFromJsonAsync<JsonElement>("/api/v1/config/about")).GetProperty("instance");
        Assert.Equal("We host **walks**.", about.GetProperty("description").GetString());
        Assert.Equal("Be kind.", about.GetProperty("terms").GetString());
        var home = await anonymous.Http.GetStringAsync("/");
        Assert.Contains("Renamed at runtime", home);
        var aboutPage = await anonymous.Http.GetStringAsync("/about");
        Assert.Contains("<strong>walks</strong>", aboutPage);
        Assert.Contains("Be kind.", aboutPage);

        // The settings page shows the current values to administrators only; the footer leads to the about page.
        Assert.Contains("value=\"Renamed at runtime\"", await PageAsync(root, "/admin/settings", HttpStatusCode.OK));
        Assert.Contains("data-path=\"instance.description\"", await PageAsync(root, "/admin/settings", HttpStatusCode.OK));
        await PageAsync(mod, "/admin/settings", HttpStatusCode.Forbidden);
        Assert.Contains("id=\"footer-about\" href=\"/about\"", home);

        // It is in the database, not in this process: a second node on the same database, started before the change,
        // shows it within its refresh interval.
        await Federation.FederationTestKit.EventuallyAsync(async () =>
            (await PeerTubeClient.Anonymous(_secondNode!).Http.GetFromJsonAsync<JsonElement>("/api/v1/config")).GetProperty("instance").GetProperty("name").GetString()
            == "Renamed at runtime", "the second node to read the change");

        // Reset: appsettings again.
        await (await root.Http.DeleteAsync("/api/v1/config/custom")).ShouldHaveStatusAsync(HttpStatusCode.OK);
        Assert.Equal("From appsettings", (await anonymous.Http.GetFromJsonAsync<JsonElement>("/api/v1/config")).GetProperty("instance").GetProperty("name").GetString());
        Assert.Contains("From appsettings", await anonymous.Http.GetStringAsync("/"));
    }

    private async Task<string> PageAsync(PeerTubeClient user, string path, HttpStatusCode status)
    {
        using var http = PeerTubeClient.CreateHttpClient(_server);
        http.DefaultRequestHeaders.Add("Cookie", $"{PeerTube.Net.Server.Features.Web.WebSession.CookieName}={user.Http.DefaultRequestHeaders.Authorization!.Parameter}");
        var response = await http.GetAsync(path);
        await response.ShouldHaveStatusAsync(status);
        return await response.Content.ReadAsStringAsync();
    }

    public async ValueTask DisposeAsync()
    {
        // The second node shares the first one's folder: it goes first, and the folder with the last one.
        if (_secondNode is not null)
        {
            await _secondNode.DisposeAsync();
        }

        await _server.DisposeAsync();
    }
}
