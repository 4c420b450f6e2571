using System.Net.Sockets;
using PeerTube.Net.Media.Rtmp;
using PeerTube.Net.Media.Tests.Support;

namespace PeerTube.Net.Media.Tests.Rtmp;

/// <summary>
/// Real ffmpeg publishing to our server, and its recorded bytes replayed without it: whole, cut short at many
/// offsets and with bytes flipped (seeded), each session ending cleanly and the server serving the next publisher.
/// </summary>
public sealed class RtmpFfmpegPublishTests(RecordedFfmpegPublish recorded) : IClassFixture<RecordedFfmpegPublish>
{
    private const int HandshakeLength = 1 + 2 * RtmpHandshake.PacketLength;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Ffmpeg_publishes_and_our_FLV_probes_as_2_s_of_h264_and_aac()
    {
        Assert.True(recorded.FfmpegExitCode == 0, recorded.FfmpegErrors);
        Assert.Equal(RtmpPublishEndReason.Unpublished, recorded.End!.Reason);

        var (codecs, lastPacket) = await FfmpegPublishKit.ProbeFlvAsync(recorded.FlvPath);

        Assert.Equal(["audio:aac", "video:h264"], codecs);
        Assert.InRange(lastPacket, 1.7, 2.3);
        // ffmpeg sent Set Chunk Size, @setDataFrame, FCPublish and FCUnpublish, all in a few tens of KB.
        Assert.InRange(recorded.ClientBytes.Length, 5_000, 500_000);
    }

    [Fact]
    public async Task The_recording_replayed_without_ffmpeg_gives_the_same_FLV()
    {
        var flv = new MemoryStream();
        var authorizer = new TestAuthorizer(_ => new TestSink(flv)).Accept(RecordedFfmpegPublish.Key);
        await using var server = new TestRtmpServer(authorizer);

        Assert.True(await ReplayAsync(server, recorded.ClientBytes, closeAfter: true));

        var end = await (await authorizer.FirstAccepted.Task).Ended.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(RtmpPublishEndReason.Unpublished, end.Reason);
        Assert.Equal(recorded.FlvBytes, flv.ToArray());
    }

    [Fact]
    public async Task A_wrong_key_is_refused_and_ffmpeg_exits_with_an_error()
    {
        var authorizer = new TestAuthorizer(_ => TestSink.InMemory()).Accept("right");
        await using var server = new TestRtmpServer(authorizer);

        var (exit, errors) = await FfmpegPublishKit.RunAsync("ffmpeg", FfmpegPublishKit.PublishArguments(server.Url("wrong")), TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exit);
        Assert.Contains("Unknown stream key", errors);
        Assert.Empty(authorizer.Sinks);
        Assert.Equal("wrong", Assert.Single(authorizer.Requests).StreamKey);
    }

    [Fact]
    public async Task A_second_ffmpeg_on_a_live_key_is_refused_while_the_first_goes_on()
    {
        using var directory = new TempDirectory();
        var authorizer = new TestAuthorizer(_ => new TestSink(File.Create(directory.File("first.flv")))).Accept("busy");
        await using var server = new TestRtmpServer(authorizer);

        var first = FfmpegPublishKit.RunAsync("ffmpeg", FfmpegPublishKit.PublishArguments(server.Url("busy"), seconds: 4, realTime: true), TimeSpan.FromSeconds(60));
        var sink = await authorizer.FirstAccepted.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var (secondExit, secondErrors) = await FfmpegPublishKit.RunAsync("ffmpeg", FfmpegPublishKit.PublishArguments(server.Url("busy")), TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, secondExit);
        Assert.Contains("already being published", secondErrors);
        Assert.False(sink.Ended.Task.IsCompleted);
        var (firstExit, firstErrors) = await first;
        Assert.True(firstExit == 0, firstErrors);
        Assert.Equal(RtmpPublishEndReason.Unpublished, (await sink.Ended.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct)).Reason);
        var (codecs, lastPacket) = await FfmpegPublishKit.ProbeFlvAsync(directory.File("first.flv"));
        Assert.Equal(["audio:aac", "video:h264"], codecs);
        Assert.InRange(lastPacket, 3.7, 4.3);
    }

    [Fact]
    public async Task Truncated_and_corrupted_recordings_end_their_session_and_the_next_publisher_is_served()
    {
        var options = new RtmpOptions
        {
            IdleTimeout = TimeSpan.FromSeconds(1),
            HandshakeTimeout = TimeSpan.FromSeconds(1),
            RefusalLinger = TimeSpan.FromMilliseconds(100),
        };
        var authorizer = new TestAuthorizer(_ => TestSink.InMemory()).Accept(RecordedFfmpegPublish.Key);
        await using var server = new TestRtmpServer(authorizer, options);
        var bytes = recorded.ClientBytes;
        var random = new Random(19);
        GC.Collect();
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

        var cuts = new List<int> { 0, 1, 1537, HandshakeLength - 1, HandshakeLength, HandshakeLength + 1, bytes.Length - 1 };
        cuts.AddRange(Enumerable.Range(0, 40).Select(_ => random.Next(HandshakeLength, bytes.Length)));
        foreach (var cut in cuts)
        {
            Assert.True(await ReplayAsync(server, bytes[..cut], closeAfter: true), $"cut at {cut} did not end");
        }

        for (var i = 0; i < 40; i++)
        {
            // Most of a recording is H.264 and AAC, which passes through opaque; half the corruptions hit the
            // commands and metadata at its start, where every byte is a header, a length or an AMF0 value.
            var corrupted = (byte[])bytes.Clone();
            var end = i % 2 == 0 ? Math.Min(corrupted.Length, HandshakeLength + 1500) : corrupted.Length;
            for (var flips = random.Next(1, 9); flips > 0; flips--)
            {
                corrupted[random.Next(HandshakeLength, end)] ^= (byte)random.Next(1, 256);
            }

            // Some connections stay open after their bytes: the idle timeout must close those.
            Assert.True(await ReplayAsync(server, corrupted, closeAfter: i % 8 != 0), $"corruption {i} did not end");
        }

        await server.WaitForNoConnectionsAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, server.Server.LivePublishers);
        Assert.All(authorizer.Sinks, s => Assert.Equal(1, s.EndCalls));
        // Every session ended through a path we expect (a refusal, a protocol error, a timeout, a close): no error logged.
        Assert.DoesNotContain(server.Log.Lines, l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
        Assert.InRange(GC.GetTotalMemory(forceFullCollection: true) - memoryBefore, long.MinValue, 64L * 1024 * 1024);

        var flv = new MemoryStream();
        var good = new TestAuthorizer(_ => new TestSink(flv)).Accept(RecordedFfmpegPublish.Key);
        authorizer.Keys.Clear();
        await using var next = new TestRtmpServer(good, options);
        Assert.True(await ReplayAsync(server, bytes, closeAfter: true));
        Assert.True(await ReplayAsync(next, bytes, closeAfter: true));
        Assert.Equal(recorded.FlvBytes, flv.ToArray());

        // And the fuzzed server still takes a good publisher once its key is known again.
        authorizer.Keys[RecordedFfmpegPublish.Key] = null;
        var before = authorizer.Sinks.Count;
        Assert.True(await ReplayAsync(server, bytes, closeAfter: true));
        var last = authorizer.Sinks.Last();
        Assert.Equal(before + 1, authorizer.Sinks.Count);
        Assert.Equal(RtmpPublishEndReason.Unpublished, (await last.Ended.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct)).Reason);
    }

    /// <summary>Sends the bytes as a client would, reading what the server says; true when the server closed within its timeouts.</summary>
    private static async Task<bool> ReplayAsync(TestRtmpServer server, byte[] bytes, bool closeAfter)
    {
        await using var client = await RtmpTestClient.ConnectAsync(server.EndPoint, Ct, handshake: false);
        var reading = client.WaitForCloseAsync(TimeSpan.FromSeconds(15), Ct);
        try
        {
            await client.Stream.WriteAsync(bytes, Ct);
            if (closeAfter)
            {
                client.Stream.Socket.Shutdown(SocketShutdown.Send);
            }
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // The server may have closed first, on an error in what it had already read.
        }

        return await reading;
    }
}
