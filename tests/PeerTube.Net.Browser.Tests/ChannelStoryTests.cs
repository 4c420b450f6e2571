using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Browser.Tests.Infrastructure;
using PeerTube.Net.Server.Tests.Infrastructure;
using SkiaSharp;

namespace PeerTube.Net.Browser.Tests;

/// <summary>
/// Issue 18's browser story: a creator makes a second channel on "My channels", gives it an avatar and a banner on its
/// edit page, uploads a video into it, and the channel page shows the images and the video.
/// </summary>
public sealed class ChannelStoryTests(PeerTubeSite site) : BrowserStories(site.Chromium, site.BaseUrl), IClassFixture<PeerTubeSite>
{
    [Fact]
    public async Task A_creator_makes_a_second_channel_with_an_avatar_and_a_banner_and_uploads_into_it()
    {
        var created = await site.Root.Http.PostAsJsonAsync("/api/v1/users", new
        {
            username = "painter", password = "painter-password", email = "painter@example.test", role = 2, videoQuota = -1, videoQuotaDaily = -1,
        });
        await created.ShouldHaveStatusAsync(System.Net.HttpStatusCode.OK);
        using var creator = await site.Server.LoginAsync("painter", "painter-password");
        var visitor = await VisitAsync();
        var page = visitor.Page;
        await visitor.SignInAsync("painter", "painter-password");

        // A second channel, from the navigation's "My channels".
        await page.ClickAsync("#menu-my-channels");
        await page.WaitForURLAsync("**/my-library/video-channels");
        await page.FillAsync("#channel-create-name", "painter_studio");
        await page.FillAsync("#channel-create-display-name", "Painter's studio");
        await page.FillAsync("#channel-create-description", "Time-lapses of paintings.");
        await page.FillAsync("#channel-create-support", "Buy a print");
        await page.ClickAsync("#channel-create-submit");
        var row = page.Locator("li.my-channel[data-name='painter_studio']");
        await row.WaitForAsync(new() { Timeout = 15_000 });

        // Its avatar and banner, on its edit page.
        await row.Locator("a.my-channel-edit").ClickAsync();
        await page.WaitForURLAsync("**/manage/video-channels/painter_studio");
        await page.SetInputFilesAsync("#channel-avatar-file", await ImageFileAsync("avatar.png", 512, 512, SKColors.SeaGreen));
        await page.ClickAsync("#channel-avatar-upload");
        await visitor.WaitForAsync("() => document.querySelector('#channel-avatar-current')?.naturalWidth > 0", "the new avatar to show");
        await page.SetInputFilesAsync("#channel-banner-file", await ImageFileAsync("banner.png", 1200, 300, SKColors.Goldenrod));
        await page.ClickAsync("#channel-banner-upload");
        await visitor.WaitForAsync("() => document.querySelector('#channel-banner-current')?.naturalWidth > 0", "the new banner to show");

        // A video uploaded into the new channel, picked on the upload page.
        await visitor.GotoAsync("/videos/upload");
        await page.SetInputFilesAsync("#upload-file", await TestMedia.VideoAsync(320, 180, seconds: 1));
        await page.FillAsync("#upload-name", "First time-lapse");
        await page.SelectOptionAsync("select#upload-channel", new Microsoft.Playwright.SelectOptionValue { Label = "Painter's studio" });
        await page.ClickAsync("button#upload-submit");
        await visitor.WaitForAsync("() => ['published', 'failed'].includes(document.querySelector('progress#transcoding-progress').dataset.state)",
            "the upload to be published", TimeSpan.FromMinutes(3));
        Assert.Equal("published", await page.GetAttributeAsync("progress#transcoding-progress", "data-state"));

        // The channel page: banner, avatar, description, support and the video.
        await visitor.GotoAsync("/c/painter_studio");
        await visitor.WaitForAsync("() => document.querySelector('#actor-avatar')?.naturalWidth > 0 && document.querySelector('#actor-banner')?.naturalWidth > 0",
            "the channel page's avatar and banner to load");
        Assert.Equal("Painter's studio", (await page.InnerTextAsync("#channel-name")).Trim());
        Assert.Contains("Buy a print", await page.InnerTextAsync("#actor-support"));
        Assert.Contains("First time-lapse", await page.InnerTextAsync("main"));
        await visitor.ScreenshotAsync("channel-page-with-avatar-and-banner.png");

        var channel = await creator.Http.GetFromJsonAsync<JsonElement>("/api/v1/video-channels/painter_studio");
        Assert.Equal(4, channel.GetProperty("avatars").GetArrayLength());
        Assert.Equal(2, channel.GetProperty("banners").GetArrayLength());
    }

    private static async Task<string> ImageFileAsync(string name, int width, int height, SKColor color)
    {
        var path = Path.Combine(Path.GetTempPath(), $"pt-story-{Guid.NewGuid():N}-{name}");
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(color);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        await File.WriteAllBytesAsync(path, data.ToArray());
        return path;
    }
}
