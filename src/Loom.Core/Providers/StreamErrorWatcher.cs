using System.Text.Json;

namespace Loom.Core.Providers;

/// <summary>
/// Passes an SSE body through unchanged, and throws the categorized exception as soon as a
/// <c>data:</c> line holds an <c>error</c> object (providers send those with HTTP 200, and SDKs
/// tend to read them as an empty update).
/// </summary>
internal sealed class StreamErrorWatcher : Stream
{
    private const int MaxLine = 64 * 1024;
    private readonly Stream inner;
    private readonly ProviderContext context;
    private readonly CancellationTokenRegistration _abort;

    /// <summary>Cancellation of <paramref name="cancellationToken"/> closes the connection at once.</summary>
    public StreamErrorWatcher(Stream inner, ProviderContext context, CancellationToken cancellationToken)
    {
        this.inner = inner;
        this.context = context;
        _abort = cancellationToken.UnsafeRegister(static s => ((Stream)s!).Dispose(), inner);
    }

    private readonly List<byte> _line = new(256);
    private bool _lineTooLong;
    private Exception? _pending;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ThrowPending();
        int n = inner.Read(buffer);
        return Watch(buffer[..n]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowPending();
        int n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Watch(buffer.Span[..n]);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _abort.Dispose();
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _abort.DisposeAsync().ConfigureAwait(false);
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private void ThrowPending()
    {
        if (_pending is { } e)
        {
            _pending = null;
            throw e;
        }
    }

    /// <summary>Scans what was read; returns how many bytes to hand on (the text before an error line is handed on first).</summary>
    private int Watch(ReadOnlySpan<byte> data)
    {
        int lineStart = 0;
        for (int i = 0; i < data.Length; i++)
        {
            byte b = data[i];
            if (b == (byte)'\n' || b == (byte)'\r')
            {
                if (!_lineTooLong && _line.Count > 0 && Check() is { } error)
                {
                    if (lineStart == 0)
                    {
                        throw error; // everything before the error line was handed on already
                    }

                    _pending = error;
                    return lineStart;
                }

                _line.Clear();
                _lineTooLong = false;
                lineStart = i + 1;
            }
            else if (!_lineTooLong)
            {
                if (_line.Count >= MaxLine)
                {
                    _lineTooLong = true;
                    _line.Clear();
                }
                else
                {
                    _line.Add(b);
                }
            }
        }

        return data.Length;
    }

    private Exception? Check()
    {
        var line = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_line);
        if (!line.StartsWith("data:"u8))
        {
            return null;
        }

        var payload = line["data:".Length..].TrimStart((byte)' ');
        if (payload.Length == 0 || payload[0] != (byte)'{' || payload.IndexOf("\"error\""u8) < 0)
        {
            return null;
        }

        JsonElement error;
        try
        {
            using var doc = JsonDocument.Parse(payload.ToArray());
            if (!doc.RootElement.TryGetProperty("error", out var e) || e.ValueKind is JsonValueKind.Null)
            {
                return null;
            }

            error = e.Clone();
        }
        catch (JsonException)
        {
            return null; // the SDK reports malformed JSON itself
        }

        return ProviderErrors.FromStreamError(context, error);
    }
}
