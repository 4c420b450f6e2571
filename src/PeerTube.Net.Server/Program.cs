using PeerTube.Net.Server.Infrastructure.Email;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Channels;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Engagement;
using PeerTube.Net.Server.Features.Instance;
using PeerTube.Net.Server.Features.Live;
using PeerTube.Net.Server.Features.Moderation;
using PeerTube.Net.Server.Features.Peers;
using PeerTube.Net.Server.Features.Playlists;
using PeerTube.Net.Server.Features.Redundancy;
using PeerTube.Net.Server.Features.Seeding;
using PeerTube.Net.Server.Features.Streaming;
using PeerTube.Net.Server.Features.Subscriptions;
using PeerTube.Net.Server.Features.Torrents;
using PeerTube.Net.Server.Features.Tracker;
using PeerTube.Net.Server.Features.Transcoding;
using PeerTube.Net.Server.Features.Uploads;
using PeerTube.Net.Server.Features.WatchedWords;
using PeerTube.Net.Server.Features.Web;
using PeerTube.Net.Server.Infrastructure.Jobs;
using PeerTube.Net.Server.Infrastructure.Redis;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    // appsettings.json ships next to the binary; look there when started from elsewhere.
    ContentRootPath = File.Exists(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json")) ? null : AppContext.BaseDirectory,
});

// Loopback on PeerTube's port unless told otherwise (--urls, ASPNETCORE_URLS, HTTP_PORTS).
if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:9000");
}

builder.AddInstance();
builder.AddApiDocs();
builder.AddStorage();
builder.AddDatabase();
builder.AddJobs();
builder.AddRedis();
builder.AddEmail();
builder.AddAccounts();
builder.AddVideos();
builder.AddUploads();
builder.AddTranscoding();
builder.AddStreaming();
builder.AddTorrents();
builder.AddTracker();
builder.AddPeers();
builder.AddSeeding();
builder.AddWeb();
builder.AddFederation();
builder.AddEngagement();
builder.AddModeration();
builder.AddRedundancy();
builder.AddLive();
builder.AddPlaylists();
builder.AddSubscriptions();
builder.AddWatchedWords();

var app = builder.Build();

await app.MigrateDatabaseAsync();
await app.CheckFfmpegAsync();
await app.SeedAccountsAsync();
await app.RecoverTranscodingAsync();
await app.RecoverTorrentsAsync();
await app.RecoverFederationAsync();

app.UseForwardedHeaders();
app.UseApiErrors();
app.UseHlsFiles();
app.UseActivityPubNegotiation();
app.UseRouting();
app.UseCors();
app.UseRateLimiter();
app.UseWebSession();
app.UseAuthentication();
app.UseAuthorization();

app.MapInstanceApi();
app.MapAccountsApi();
app.MapChannelsApi();
app.MapVideosApi();
app.MapEngagementApi();
app.MapModerationApi();
app.MapRedundancyApi();
app.MapRedundancyFiles();
app.MapUploadsApi();
app.MapLive();
app.MapPlaylists();
app.MapSubscriptions();
app.MapWatchedWords();
app.MapStreamingApi();
app.MapStreaming();
app.MapTorrents();
app.MapTracker();
app.MapPeers();
app.MapSeedingApi();
app.MapTranscodingProgress();
app.MapFederation();
app.MapWeb();
app.MapApiDocs();

app.Run();

/// <summary>Entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
