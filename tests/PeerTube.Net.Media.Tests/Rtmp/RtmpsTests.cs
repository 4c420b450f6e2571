using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PeerTube.Net.Media.Rtmp;
using PeerTube.Net.Media.Tests.Support;

namespace PeerTube.Net.Media.Tests.Rtmp;

/// <summary>RTMPS (RTMP inside TLS, with a certificate given to the server) and the options' own checks.</summary>
public sealed class RtmpsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
    }

    [Fact]
    public async Task Ffmpeg_publishes_over_RTMPS()
    {
        using var directory = new TempDirectory();
        using var certificate = SelfSigned();
        var authorizer = new TestAuthorizer(_ => new TestSink(File.Create(directory.File("tls.flv")))).Accept("secret");
        await using var server = new TestRtmpServer(authorizer, certificate: certificate);

        var (exit, errors) = await FfmpegPublishKit.RunAsync("ffmpeg", FfmpegPublishKit.PublishArguments(server.Url("secret", scheme: "rtmps")), TimeSpan.FromSeconds(60));

        Assert.True(exit == 0, errors);
        var sink = await authorizer.FirstAccepted.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(RtmpPublishEndReason.Unpublished, (await sink.Ended.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct)).Reason);
        var (codecs, lastPacket) = await FfmpegPublishKit.ProbeFlvAsync(directory.File("tls.flv"));
        Assert.Equal(["audio:aac", "video:h264"], codecs);
        Assert.InRange(lastPacket, 1.7, 2.3);
    }

    [Fact]
    public async Task A_plain_RTMP_client_on_the_RTMPS_port_is_closed_after_a_failed_TLS_handshake()
    {
        using var certificate = SelfSigned();
        await using var server = new TestRtmpServer(new TestAuthorizer(_ => TestSink.InMemory()), certificate: certificate);

        await using var plain = await RtmpTestClient.ConnectAsync(server.EndPoint, Ct, handshake: false);
        await plain.Stream.WriteAsync(new byte[1 + RtmpHandshake.PacketLength].Select((_, i) => i == 0 ? RtmpHandshake.Version : (byte)0).ToArray(), Ct);

        Assert.True(await plain.WaitForCloseAsync(TimeSpan.FromSeconds(15), Ct));
        await server.WaitForNoConnectionsAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Options_outside_their_ranges_are_refused_when_the_server_is_made()
    {
        var authorizer = new TestAuthorizer(_ => TestSink.InMemory());

        Assert.Throws<ValidationException>(() => new RtmpServer(new RtmpOptions { MaxChunkSize = int.MaxValue }, authorizer));
        Assert.Throws<ValidationException>(() => new RtmpServer(new RtmpOptions { MaxMediaMessageBytes = 32 * 1024 * 1024 }, authorizer));
        Assert.Throws<ValidationException>(() => new RtmpServer(new RtmpOptions { Port = 70_000 }, authorizer));
    }
}
