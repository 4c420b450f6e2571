using System.Net.Sockets;
using PeerTube.Net.Media.Rtmp;

namespace PeerTube.Net.Media.Tests.Rtmp;

/// <summary>The server against a client played by hand: the command flow, refusals and the bounds on a connection.</summary>
public sealed class RtmpServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static TestAuthorizer Authorizer(params string[] keys) => new TestAuthorizer(_ => TestSink.InMemory()).Accept(keys);

    [Fact]
    public async Task A_publish_is_started_written_as_FLV_and_ended_by_deleteStream()
    {
        var flv = new MemoryStream();
        var authorizer = new TestAuthorizer(_ => new TestSink(flv)).Accept("key-1");
        await using var server = new TestRtmpServer(authorizer);
        await using var client = await RtmpTestClient.ConnectAsync(server.EndPoint, Ct);

        Assert.Equal("NetStream.Publish.Start", await client.PublishAsync("live", "key-1?token=x", Ct));
        var request = Assert.Single(authorizer.Requests);
        Assert.Equal(("live", "key-1", "rtmp://127.0.0.1/live"), (request.App, request.StreamKey, request.TcUrl));

        await client.Writer.WriteAsync(4, new RtmpMessage(RtmpMessageType.DataAmf0, 0, client.StreamId,
            Amf0Writer.Encode("@setDataFrame", "onMetaData", new Amf0EcmaArray { { "width", 160.0 } })), Ct);
        await client.Writer.WriteAsync(6, new RtmpMessage(RtmpMessageType.Video, 0, client.StreamId, new byte[] { 0x17, 0, 0, 0, 0 }), Ct);
        await client.Writer.WriteAsync(4, new RtmpMessage(RtmpMessageType.Audio, 0x0100_0000, client.StreamId, new byte[] { 0xAF, 1, 9 }), Ct);
        await client.SendCommandAsync(client.StreamId, "deleteStream", Ct, null, (double)client.StreamId);

        var sink = Assert.Single(authorizer.Sinks);
        var end = await sink.Ended.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal((RtmpPublishEndReason.Unpublished, 3L), (end.Reason, end.FlvTags));
        var bytes = flv.ToArray();
        Assert.Equal("FLV"u8.ToArray(), bytes[..3]);
        Assert.Equal((byte)RtmpMessageType.DataAmf0, bytes[13]);
        // The audio tag's timestamp past 24 bits goes in the extension byte.
        var audioTag = bytes.Length - 4 - 3 - 11;
        Assert.Equal(new byte[] { 8, 0, 0, 3, 0, 0, 0, 1 }, bytes[audioTag..(audioTag + 8)]);
        Assert.Equal(0, server.Server.LivePublishers);
        Assert.Equal(1, sink.EndCalls);
    }

    [Theory]
    [InlineData("unknown", null, "NetStream.Publish.BadName")]
    [InlineData("waiting-not", RtmpRefusalReason.LiveNotWaiting, "NetStream.Publish.Denied")]
    public async Task A_refused_key_gets_its_onStatus_and_the_connection_is_closed(string key, RtmpRefusalReason? reason, string code)
    {
        var authorizer = Authorizer();
        if (reason is { } r)
        {
            authorizer.Keys[key] = r;
        }

        await using var server = new TestRtmpServer(authorizer, new RtmpOptions { RefusalLinger = TimeSpan.FromMilliseconds(200) });
        await using var client = await RtmpTestClient.ConnectAsync(server.EndPoint, Ct);

        Assert.Equal(code, await client.PublishAsync("live", key, Ct));
        Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.Empty(authorizer.Sinks);
        // One warning, with the reason and the key shown only by its first characters.
        var line = Assert.Single(server.Log.Lines, l => l.Message.Contains("refused"));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, line.Level);
        Assert.Contains($"publish to live/{key[..4]}… refused ({reason ?? RtmpRefusalReason.UnknownKey})", line.Message);
        Assert.DoesNotContain(key, line.Message);
    }

    [Fact]
    public async Task An_authorizer_that_throws_is_a_Denied_and_an_error_in_the_log_not_a_crash()
    {
        await using var server = new TestRtmpServer(new TestAuthorizer(_ => throw new InvalidOperationException("database down")).Accept("k"),
            new RtmpOptions { RefusalLinger = TimeSpan.FromMilliseconds(100) });

        await using (var client = await RtmpTestClient.ConnectAsync(server.EndPoint, Ct))
        {
            Assert.Equal("NetStream.Publish.Denied", await client.PublishAsync("live", "k", Ct));
        }

        Assert.Contains(server.Log.Lines, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Error && l.Message.Contains("authorizer failed"));
        await server.WaitForNoConnectionsAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, server.Server.LivePublishers);
    }

    [Fact]
    public async Task An_AMF3_command_message_is_read_as_AMF0_after_its_format_byte()
    {
        await using var server = new TestRtmpServer(Authorizer("k"));
        await using var client = await RtmpTestClient.ConnectAsync(server.EndPoint, Ct);
        var connect = RtmpCommands.Command(0, "connect", 1, new Amf0Object { { "app", "live" } });

        await client.Writer.WriteAsync(3, connect with { Type = RtmpMessageType.CommandAmf3, Payload = (byte[])[0, .. connect.Payload.Span] }, Ct);

        var reply = await client.ReadCommandAsync(Ct);
        Assert.Equal("NetConnection.Connect.Success", ((Amf0Object)reply.Arguments[1]!).GetString("code"));
    }

    [Fact]
    public async Task A_second_publisher_on_a_live_key_is_refused_and_the_first_goes_on()
    {
        var authorizer = Authorizer("shared");
        await using var server = new TestRtmpServer(authorizer, new RtmpOptions { RefusalLinger = TimeSpan.FromMilliseconds(100) });
        await using var first = await RtmpTestClient.ConnectAsync(server.EndPoint, Ct);
        Assert.Equal("NetStream.Publish.Start", await first.PublishAsync("live", "shared", Ct));

        await using (var second = await RtmpTestClient.ConnectAsync(server.EndPoint, Ct))
        {
            Assert.Equal("NetStream.Publish.BadName", await second.PublishAsync("live", "shared", Ct));
            Assert.True(await second.WaitForCloseAsync(TimeSpan.FromSeconds(5), Ct));
        }

        await first.Writer.WriteAsync(6, new RtmpMessage(RtmpMessageType.Video, 0, first.StreamId, new byte[] { 0x17, 0 }), Ct);
        await first.SendCommandAsync(first.StreamId, "FCUnpublish", Ct, null, "shared");
        var end = await Assert.Single(authorizer.Sinks).Ended.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal((RtmpPublishEndReason.Unpublished, 1L), (end.Reason, end.FlvTags));

        // Free again once the first has unpublished.
        await using var third = await RtmpTestClient.ConnectAsync(server.EndPoint, Ct);
        Assert.Equal("NetStream.Publish.Start", await third.PublishAsync("live", "shared", Ct));
    }

    [Fact]
    public async Task The_server_acknowledges_as_the_publishers_window_asks_and_chunks_at_its_own_size()
    {
        var authorizer = Authorizer("k");
        await using var server = new TestRtmpServer(authorizer);
        await using var client = await RtmpTestClient.ConnectAsync(server.EndPoint, Ct);
        await client.Writer.WriteAsync(2, RtmpChunkWriter.ControlMessage(RtmpMessageType.WindowAcknowledgementSize, 10_000), Ct);
        Assert.Equal("NetStream.Publish.Start", await client.PublishAsync("live", "k", Ct));
        Assert.Equal([RtmpMessageType.WindowAcknowledgementSize, RtmpMessageType.SetPeerBandwidth, RtmpMessageType.SetChunkSize, RtmpMessageType.UserControl],
            client.ControlMessages.Select(m => m.Type).Distinct());
        Assert.Equal(4096, client.ChunkSize);

        await client.Writer.SetChunkSizeAsync(60_000, Ct);
        await client.Writer.WriteAsync(6, new RtmpMessage(RtmpMessageType.Video, 0, client.StreamId, new byte[25_000]), Ct);
        await client.SendCommandAsync(0, "ping-for-a-reply", Ct);
        await client.Writer.WriteAsync(6, new RtmpMessage(RtmpMessageType.Video, 0, client.StreamId, new byte[5]), Ct);
        await client.SendCommandAsync(0, "releaseStream", Ct, null, "k");
        Assert.Equal("_result", (await client.ReadCommandAsync(Ct)).Name);

        var acknowledgement = Assert.Single(client.ControlMessages, m => m.Type == RtmpMessageType.Acknowledgement);
        Assert.InRange(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(acknowledgement.Payload.Span), 25_000u, 27_000u);
    }

    [Fact]
    public async Task A_publisher_that_disconnects_ends_as_Disconnected()
    {
        var authorizer = Authorizer("k");
        await using var server = new TestRtmpServer(authorizer);
        var client = await RtmpTestClient.ConnectAsync(server.EndPoint, Ct);
        Assert.Equal("NetStream.Publish.Start", await client.PublishAsync("live", "k", Ct));

        await client.DisposeAsync();

        var end = await Assert.Single(authorizer.Sinks).Ended.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(RtmpPublishEndReason.Disconnected, end.Reason);
        await server.WaitForNoConnectionsAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task An_oversize_chunk_size_or_message_drops_the_publisher()
    {
        var authorizer = Authorizer("k");
        await using var server = new TestRtmpServer(authorizer, new RtmpOptions { MaxChunkSize = 65536, MaxMediaMessageBytes = 100_000 });

        await using (var client = await RtmpTestClient.ConnectAsync(server.EndPoint, Ct))
        {
            Assert.Equal("NetStream.Publish.Start", await client.PublishAsync("live", "k", Ct));
            await client.Writer.WriteAsync(2, RtmpChunkWriter.ControlMessage(RtmpMessageType.SetChunkSize, 65537), Ct);
            Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(5), Ct));
            var end = await authorizer.Sinks.Last().Ended.Task.WaitAsync(TimeSpan.FromSeconds(5), Ct);
            Assert.Equal(RtmpPublishEndReason.Dropped, end.Reason);
            Assert.Contains("chunk size of 65537", end.Detail);
        }

        await using (var client = await RtmpTestClient.ConnectAsync(server.EndPoint, Ct))
        {
            Assert.Equal("NetStream.Publish.Start", await client.PublishAsync("live", "k", Ct));
            await client.Writer.WriteAsync(6, new RtmpMessage(RtmpMessageType.Video, 0, client.StreamId, new byte[100_001]), Ct);
            Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(5), Ct));
            var end = await authorizer.Sinks.Last().Ended.Task.WaitAsync(TimeSpan.FromSeconds(5), Ct);
            Assert.Contains("exceeds the limit of 100000", end.Detail);
        }
    }

    [Fact]
    public async Task A_client_that_never_handshakes_or_goes_silent_is_dropped_after_its_timeout()
    {
        var authorizer = Authorizer("k");
        await using var server = new TestRtmpServer(authorizer, new RtmpOptions
        {
            HandshakeTimeout = TimeSpan.FromSeconds(2),
            IdleTimeout = TimeSpan.FromSeconds(2),
        });

        await using (var mute = await RtmpTestClient.ConnectAsync(server.EndPoint, Ct, handshake: false))
        {
            Assert.True(await mute.WaitForCloseAsync(TimeSpan.FromSeconds(10), Ct));
        }

        await using var silent = await RtmpTestClient.ConnectAsync(server.EndPoint, Ct);
        Assert.Equal("NetStream.Publish.Start", await silent.PublishAsync("live", "k", Ct));
        Assert.True(await silent.WaitForCloseAsync(TimeSpan.FromSeconds(10), Ct));
        var end = await Assert.Single(authorizer.Sinks).Ended.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(RtmpPublishEndReason.Dropped, end.Reason);
        Assert.Contains("no progress", end.Detail);
        Assert.Contains(server.Log.Lines, l => l.Message.Contains("No handshake within 2 s"));
    }

    [Fact]
    public async Task A_client_that_never_reads_our_replies_is_dropped_rather_than_parking_the_session()
    {
        await using var server = new TestRtmpServer(Authorizer(), new RtmpOptions { IdleTimeout = TimeSpan.FromSeconds(1) });
        await using var client = await RtmpTestClient.ConnectAsync(server.EndPoint, Ct, receiveBuffer: 4096);

        // Each releaseStream earns a _result; never reading them fills the server's socket until its write waits.
        var batch = new MemoryStream();
        var writer = new RtmpChunkWriter(batch);
        for (var i = 0; i < 2000; i++)
        {
            await writer.WriteAsync(3, RtmpCommands.Command(0, "releaseStream", i + 1, null, "k"), Ct);
        }

        using var sending = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        sending.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            while (!sending.IsCancellationRequested)
            {
                await client.Stream.WriteAsync(batch.ToArray(), sending.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
        }

        Assert.False(sending.IsCancellationRequested, "the server never dropped the client: " + string.Join(" / ", server.Log.Lines.Select(l => l.Message)) + " connections " + server.Server.Connections);
        Assert.Contains(server.Log.Lines, l => l.Message.Contains("no progress for 1 s"));
        await server.WaitForNoConnectionsAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_publisher_under_the_floor_rate_is_dropped_though_never_silent()
    {
        var authorizer = Authorizer("k");
        await using var server = new TestRtmpServer(authorizer, new RtmpOptions
        {
            MinPublishBytesPerSecond = 10_000,
            SlowPublisherWindow = TimeSpan.FromSeconds(1),
            IdleTimeout = TimeSpan.FromSeconds(5),
        });
        await using var client = await RtmpTestClient.ConnectAsync(server.EndPoint, Ct);
        Assert.Equal("NetStream.Publish.Start", await client.PublishAsync("live", "k", Ct));

        var sink = Assert.Single(authorizer.Sinks);
        for (var i = 0; i < 40 && !sink.Ended.Task.IsCompleted; i++)
        {
            try
            {
                await client.Writer.WriteAsync(4, new RtmpMessage(RtmpMessageType.Audio, (uint)i * 100, client.StreamId, new byte[] { 0xAF, 1, 0 }), Ct);
            }
            catch (IOException)
            {
                break;
            }

            await Task.Delay(100, Ct);
        }

        var end = await sink.Ended.Task.WaitAsync(TimeSpan.FromSeconds(5), Ct);
        Assert.Equal(RtmpPublishEndReason.Dropped, end.Reason);
        Assert.Contains("under the floor", end.Detail);
    }

    [Fact]
    public async Task A_sink_that_stops_taking_data_drops_the_publisher_and_frees_the_key()
    {
        var authorizer = new TestAuthorizer(_ => new TestSink(new StuckStream())).Accept("k");
        await using var server = new TestRtmpServer(authorizer, new RtmpOptions { SinkWriteTimeout = TimeSpan.FromMilliseconds(300) });
        await using var client = await RtmpTestClient.ConnectAsync(server.EndPoint, Ct);

        Assert.Equal("NetStream.Publish.Start", await client.PublishAsync("live", "k", Ct));

        var end = await Assert.Single(authorizer.Sinks).Ended.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(RtmpPublishEndReason.SinkFailed, end.Reason);
        Assert.Contains("took no data", end.Detail);
        Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.Equal(0, server.Server.LivePublishers);
    }

    /// <summary>A pipe whose reader is gone but not closed: every write waits until it is cancelled.</summary>
    private sealed class StuckStream : MemoryStream
    {
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    [Fact]
    public async Task Connections_beyond_the_maximum_are_closed_at_once()
    {
        await using var server = new TestRtmpServer(Authorizer(), new RtmpOptions { MaxConnections = 2 });
        await using var a = await RtmpTestClient.ConnectAsync(server.EndPoint, Ct);
        await using var b = await RtmpTestClient.ConnectAsync(server.EndPoint, Ct);

        await using var c = await RtmpTestClient.ConnectAsync(server.EndPoint, Ct, handshake: false);
        Assert.True(await c.WaitForCloseAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.Equal(2, server.Server.Connections);
    }

    [Fact]
    public async Task Not_RTMP_is_closed_without_harm()
    {
        await using var server = new TestRtmpServer(Authorizer());
        await using var http = await RtmpTestClient.ConnectAsync(server.EndPoint, Ct, handshake: false);

        await http.Stream.WriteAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(), Ct);

        Assert.True(await http.WaitForCloseAsync(TimeSpan.FromSeconds(5), Ct));
        await server.WaitForNoConnectionsAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Stopping_the_server_ends_a_live_publish_as_ServerStopping()
    {
        var authorizer = Authorizer("k");
        var server = new TestRtmpServer(authorizer);
        await using var client = await RtmpTestClient.ConnectAsync(server.EndPoint, Ct);
        Assert.Equal("NetStream.Publish.Start", await client.PublishAsync("live", "k", Ct));

        await server.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal(RtmpPublishEndReason.ServerStopping, (await Assert.Single(authorizer.Sinks).Ended.Task).Reason);
    }
}
