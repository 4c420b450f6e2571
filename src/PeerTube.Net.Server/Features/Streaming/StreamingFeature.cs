using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Federation.Http;

namespace PeerTube.Net.Server.Features.Streaming;

/// <summary>Media at PeerTube's paths (<see cref="StreamingEndpoints"/>) and tokens for private files (<see cref="StreamingApi"/>).</summary>
public static class StreamingFeature
{
    public static WebApplicationBuilder AddStreaming(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<VideoFileTokens>();
        builder.Services.AddSingleton<LazyStaticImages>();
        builder.Services.AddSingleton<SegmentTraffic>();
        builder.Services.AddOptions<StreamingOptions>().BindConfiguration(StreamingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<VideoGates>();
        builder.Services.AddSingleton<PlaylistCache>();
        builder.Services.AddSingleton<HlsFiles>();
        // A large range is read ahead of the socket instead of waiting on it every 64 KiB (Kestrel's default).
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<StreamingOptions>>((kestrel, streaming) =>
            kestrel.Limits.MaxResponseBufferSize = streaming.Value.ResponseBufferBytes);
        builder.Services.AddVideoEventHandler<StreamingVideoEvents>();
        return builder;
    }

    /// <summary>The fast path for HLS files (<see cref="HlsFiles"/>): before routing, CORS and authentication, which it does not need.</summary>
    public static IApplicationBuilder UseHlsFiles(this IApplicationBuilder app) => HlsFiles.UseHlsFiles(app);
}

/// <summary>HMAC-signed "uuid.expiry.signature" tokens; the key lives under Storage:Root/keys.</summary>
public sealed class VideoFileTokens
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(2);

    /// <summary>Tokens whose signature was checked, kept at most (only valid ones are kept, so a flood of bad tokens adds nothing).</summary>
    private const int MaxVerified = 10_000;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (Guid Uuid, long Expiry)> _verified = new(StringComparer.Ordinal);
    private readonly byte[] _key;
    private readonly TimeProvider _clock;

    public VideoFileTokens(StoragePaths paths, TimeProvider clock)
    {
        _clock = clock;
        _key = paths.LoadOrCreateKey("video-file-token.key");
    }

    public (string Token, DateTimeOffset Expires) Create(Guid uuid)
    {
        var expires = _clock.GetUtcNow() + Lifetime;
        var payload = $"{uuid:N}.{expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}";
        return ($"{payload}.{Sign(payload)}", expires);
    }

    public bool IsValid(string? token, Guid uuid)
    {
        // A player sends the same token with every segment: once its signature is checked, only its expiry is.
        if (token is not null && _verified.TryGetValue(token, out var known))
        {
            return known.Uuid == uuid && DateTimeOffset.FromUnixTimeSeconds(known.Expiry) >= _clock.GetUtcNow();
        }

        var parts = token?.Split('.');
        if (parts is not { Length: 3 } || parts[0] != uuid.ToString("N")
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var expiry)
            || DateTimeOffset.FromUnixTimeSeconds(expiry) < _clock.GetUtcNow())
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign($"{parts[0]}.{parts[1]}"));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(parts[2])))
        {
            return false;
        }

        if (_verified.Count >= MaxVerified)
        {
            _verified.Clear();
        }

        _verified[token!] = (uuid, expiry);
        return true;
    }

    private string Sign(string payload) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(payload)));
}
