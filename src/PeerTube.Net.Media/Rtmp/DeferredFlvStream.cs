namespace PeerTube.Net.Media.Rtmp;

/// <summary>
/// A publish sink's FLV stream that opens its real destination only once it has seen the stream's first tag: the
/// FLV header and that tag are held, and when the tag is <c>onMetaData</c> its <see cref="FlvStreamInfo"/> is given to
/// the opener (a live's ffmpeg is started with a ladder planned from the source's size); an audio or video tag first
/// opens it with none. Everything held is then written through, and later writes go straight on. At most the header
/// and one tag are held (the RTMP session bounds a tag by its message limits). Writes after <see cref="Fail"/> throw,
/// so the RTMP session ends the publish.
/// </summary>
public sealed class DeferredFlvStream(Func<FlvStreamInfo?, Stream> open) : Stream
{
    private const int FileHeaderLength = 13; // "FLV", version, flags, header size (9), PreviousTagSize0.
    private const int TagHeaderLength = 11;

    private readonly Lock _gate = new();
    private MemoryStream? _held = new();
    private Stream? _inner;
    private string? _failure;

    /// <summary>The destination, once opened.</summary>
    public Stream? Inner => _inner;

    /// <summary>What the publisher's metadata said, once opened (null when it sent none first).</summary>
    public FlvStreamInfo? Info { get; private set; }

    /// <summary>Refuses every later write (the stream was cut before or after opening).</summary>
    public void Fail(string reason)
    {
        lock (_gate)
        {
            _failure ??= reason;
        }
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var target = Accept(buffer, out var pending);
        if (target is null)
        {
            return;
        }

        if (pending is not null)
        {
            await target.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await target.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => _inner?.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner?.FlushAsync(cancellationToken) ?? Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Where this write goes: null while held; with <paramref name="pending"/>, everything held so far (this write included) goes first.</summary>
    private Stream? Accept(ReadOnlyMemory<byte> buffer, out byte[]? pending)
    {
        pending = null;
        lock (_gate)
        {
            if (_failure is not null)
            {
                throw new IOException(_failure);
            }

            if (_inner is not null)
            {
                return _inner;
            }

            _held!.Write(buffer.Span);
            var held = _held.GetBuffer().AsSpan(0, (int)_held.Length);
            if (held.Length < FileHeaderLength + TagHeaderLength)
            {
                return null;
            }

            var tag = held[FileHeaderLength..];
            var bodyLength = (tag[1] << 16) | (tag[2] << 8) | tag[3];
            if (tag.Length < TagHeaderLength + bodyLength)
            {
                return null;
            }

            Info = tag[0] == (byte)RtmpMessageType.DataAmf0 ? FlvStreamInfo.Parse(tag.Slice(TagHeaderLength, bodyLength)) : null;
            _inner = open(Info);
            pending = held.ToArray();
            _held = null;
            return _inner;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner?.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_inner is not null)
        {
            await _inner.DisposeAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

}
