using System.Security.Cryptography;

namespace PeerTube.Net.Media.Rtmp;

/// <summary>
/// The server side of the simple handshake (RTMP 1.0, section 5.2): C0 must say version 3; S1 carries zero time and
/// zero version (so ffmpeg and OBS skip the digest checks of the "complex" handshake) and random bytes; S2 echoes C1.
/// C2 is read and not checked, as no client keeps its echo of S1 exact.
/// </summary>
public static class RtmpHandshake
{
    public const byte Version = 3;
    public const int PacketLength = 1536;

    /// <exception cref="RtmpException">C0 is not version 3 (an HTTP client, a TLS hello, garbage).</exception>
    /// <exception cref="EndOfStreamException">The connection closed during the handshake.</exception>
    public static async ValueTask AcceptAsync(Stream stream, CancellationToken ct)
    {
        var c0c1 = new byte[1 + PacketLength];
        await stream.ReadExactlyAsync(c0c1.AsMemory(0, 1), ct).ConfigureAwait(false);
        if (c0c1[0] != Version)
        {
            throw new RtmpException($"The client asked for RTMP version {c0c1[0]}, not {Version}: not an RTMP client, or RTMPE/RTMPS on a plain port.");
        }

        await stream.ReadExactlyAsync(c0c1.AsMemory(1), ct).ConfigureAwait(false);

        var reply = new byte[1 + 2 * PacketLength];
        reply[0] = Version;
        RandomNumberGenerator.Fill(reply.AsSpan(1 + 8, PacketLength - 8));
        c0c1.AsSpan(1).CopyTo(reply.AsSpan(1 + PacketLength));
        await stream.WriteAsync(reply, ct).ConfigureAwait(false);
        await stream.FlushAsync(ct).ConfigureAwait(false);

        await stream.ReadExactlyAsync(new byte[PacketLength], ct).ConfigureAwait(false);
    }

    /// <summary>The client side, for tests: sends C0 and C1, reads S0–S2, sends C2 (the echo of S1).</summary>
    public static async ValueTask ConnectAsync(Stream stream, CancellationToken ct)
    {
        var c0c1 = new byte[1 + PacketLength];
        c0c1[0] = Version;
        RandomNumberGenerator.Fill(c0c1.AsSpan(1 + 8));
        await stream.WriteAsync(c0c1, ct).ConfigureAwait(false);
        var s0s1s2 = new byte[1 + 2 * PacketLength];
        await stream.ReadExactlyAsync(s0s1s2, ct).ConfigureAwait(false);
        if (s0s1s2[0] != Version || !s0s1s2.AsSpan(1 + PacketLength).SequenceEqual(c0c1.AsSpan(1)))
        {
            throw new RtmpException("The server's handshake is not version 3 or does not echo C1.");
        }

        await stream.WriteAsync(s0s1s2.AsMemory(1, PacketLength), ct).ConfigureAwait(false);
        await stream.FlushAsync(ct).ConfigureAwait(false);
    }
}
