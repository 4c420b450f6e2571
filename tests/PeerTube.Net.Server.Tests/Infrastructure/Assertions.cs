using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace PeerTube.Net.Server.Tests.Infrastructure;

public static class Assertions
{
    /// <summary>Asserts the status, showing the body when it is not the expected one.</summary>
    public static async Task ShouldHaveStatusAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Fail($"Expected {(int)expected} {expected} but got {(int)response.StatusCode} {response.StatusCode}: {body}");
        }
    }

    /// <summary>PeerTube's error body: the status, a machine-readable code and a human message.</summary>
    public static async Task<JsonElement> ShouldBeErrorAsync(this HttpResponseMessage response, HttpStatusCode status, string? code)
    {
        await response.ShouldHaveStatusAsync(status);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("detail").GetString()), "the error should carry a human message");
        if (code is not null)
        {
            Assert.Equal(code, body.GetProperty("code").GetString());
        }

        return body;
    }
}
