using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Loom.LanguageServer.Server;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace Loom.LanguageServer.Rpc;

/// <summary>
/// LSP framing (<c>Content-Length</c> headers) that survives a broken client: a message that is not
/// JSON (or not JSON-RPC) is logged and skipped; bytes that are not a header (a body shorter than
/// its Content-Length claimed, garbage between frames, a header line without a colon) are skipped up
/// to the next <c>Content-Length:</c> header; a body whose claimed length runs into the next header is
/// cut there. Writing is the standard <see cref="HeaderDelimitedMessageHandler"/>'s.
/// </summary>
public sealed class TolerantMessageHandler : HeaderDelimitedMessageHandler
{
    /// <summary>Larger claims are refused (and skipped) rather than buffered.</summary>
    public const int MaxMessageBytes = 256 * 1024 * 1024;

    private static readonly byte[] HeaderName = "Content-Length:"u8.ToArray();
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();

    private readonly ServerLog _log;

    public TolerantMessageHandler(Stream sending, Stream receiving, IJsonRpcMessageFormatter formatter, ServerLog log)
        : base(sending, receiving, formatter) => _log = log;

    protected override async ValueTask<JsonRpcMessage?> ReadCoreAsync(CancellationToken cancellationToken)
    {
        var reader = Reader ?? throw new InvalidOperationException("no receiving stream");
        var atLeast = 0;
        while (true)
        {
            // A body larger than the pipe's pause threshold arrives only through ReadAtLeastAsync (plain reads would
            // wait for ever once the unconsumed bytes stop the writer); asking for one byte more than we have also
            // lets a claimed length that never arrives be cut at the next header as soon as one comes.
            var read = atLeast > 0
                ? await reader.ReadAtLeastAsync(atLeast, cancellationToken).ConfigureAwait(false)
                : await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            atLeast = 0;
            var outcome = TryFrame(buffer, read.IsCompleted, out var consumed, out var body, out var problem);
            if (problem is not null)
            {
                _log.Error($"skipped bytes that are not a valid message: {problem}");
            }
            if (outcome == Frame.NeedMore)
            {
                if (read.IsCompleted)
                {
                    reader.AdvanceTo(buffer.End);
                    return null;
                }
                reader.AdvanceTo(consumed, buffer.End);
                atLeast = (int)Math.Min(int.MaxValue, buffer.Slice(consumed).Length + 1);
                continue;
            }
            reader.AdvanceTo(consumed);
            if (outcome == Frame.Skipped || body is null)
            {
                continue;
            }
            try
            {
                return Formatter.Deserialize(new ReadOnlySequence<byte>(body));
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or IOException or ObjectDisposedException))
            {
                _log.Error($"skipped a message that is not valid JSON-RPC: {ex.Message}");
                if (InvalidRequest.TryCreate(body, ex.Message) is { } answer)
                {
                    return answer;
                }
            }
        }
    }

    private enum Frame
    {
        NeedMore,
        Skipped,
        Message,
    }

    /// <summary>Finds the next frame in <paramref name="buffer"/>; <paramref name="consumed"/> is where reading goes on.</summary>
    private static Frame TryFrame(ReadOnlySequence<byte> buffer, bool completed, out SequencePosition consumed, out byte[]? body, out string? problem)
    {
        body = null;
        problem = null;
        var bytes = buffer.IsSingleSegment ? buffer.First.Span : buffer.ToArray();
        var start = IndexOfHeader(bytes, 0);
        if (start < 0)
        {
            // Keep a tail that may be the beginning of a header split across reads.
            var keep = Math.Min(bytes.Length, HeaderName.Length - 1);
            var junk = bytes.Length - keep;
            if (completed)
            {
                junk = bytes.Length;
            }
            if (HasContent(bytes[..junk]))
            {
                problem = $"{junk} bytes before any Content-Length header";
            }
            consumed = buffer.GetPosition(junk);
            return junk > 0 && !completed ? Frame.Skipped : Frame.NeedMore;
        }
        if (start > 0 && HasContent(bytes[..start]))
        {
            problem = $"{start} bytes that are not a header";
        }
        var headerEnd = bytes[start..].IndexOf(HeaderEnd);
        if (headerEnd < 0)
        {
            if (bytes.Length - start > 8192 || IndexOfHeader(bytes, start + HeaderName.Length) >= 0)
            {
                problem ??= "a header block that never ends";
                consumed = buffer.GetPosition(start + HeaderName.Length);
                return Frame.Skipped;
            }
            consumed = buffer.GetPosition(start);
            return Frame.NeedMore;
        }
        headerEnd += start;
        var bodyStart = headerEnd + HeaderEnd.Length;
        int? length = null;
        foreach (var line in Encoding.ASCII.GetString(bytes[start..headerEnd]).Split("\r\n"))
        {
            var colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                length = int.TryParse(line[(colon + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= MaxMessageBytes ? n : -1;
            }
        }
        if (length is not >= 0)
        {
            problem = "a Content-Length that is not a number from 0 to " + MaxMessageBytes.ToString(CultureInfo.InvariantCulture);
            consumed = buffer.GetPosition(bodyStart);
            return Frame.Skipped;
        }
        // A claimed length that runs into the next header: the body was shorter than its claim (bodies are JSON, and
        // JSON never holds a raw CR LF after "Content-Length: n"), so the body ends where that header starts.
        var available = bytes.Length - bodyStart;
        var nextHeader = IndexOfHeader(bytes[..Math.Min(bytes.Length, bodyStart + length.Value + HeaderName.Length)], bodyStart);
        if (nextHeader >= 0 && nextHeader < bodyStart + length.Value && LooksLikeHeader(bytes[nextHeader..]))
        {
            problem = $"a body shorter than its Content-Length ({length} claimed, {nextHeader - bodyStart} before the next header)";
            consumed = buffer.GetPosition(nextHeader);
            return Frame.Skipped;
        }
        if (available < length.Value)
        {
            consumed = buffer.GetPosition(start);
            return Frame.NeedMore;
        }
        body = bytes.Slice(bodyStart, length.Value).ToArray();
        consumed = buffer.GetPosition(bodyStart + length.Value);
        return Frame.Message;
    }

    private static int IndexOfHeader(ReadOnlySpan<byte> bytes, int from)
    {
        if (from >= bytes.Length)
        {
            return -1;
        }
        var i = bytes[from..].IndexOf(HeaderName);
        return i < 0 ? -1 : i + from;
    }

    /// <summary>"Content-Length:" + spaces + digits + CR LF: a real header, never part of a JSON body.</summary>
    private static bool LooksLikeHeader(ReadOnlySpan<byte> bytes)
    {
        var i = HeaderName.Length;
        while (i < bytes.Length && bytes[i] == (byte)' ')
        {
            i++;
        }
        var digits = i;
        while (i < bytes.Length && bytes[i] is >= (byte)'0' and <= (byte)'9')
        {
            i++;
        }
        return i > digits && i + 1 < bytes.Length && bytes[i] == (byte)'\r' && bytes[i + 1] == (byte)'\n';
    }

    private static bool HasContent(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b is not ((byte)'\r' or (byte)'\n' or (byte)' ' or (byte)'\t'))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// A request that could not be read but whose id could (params of a wrong type, say) still gets an
    /// answer: it becomes a call of <see cref="Method"/>, which fails with -32600 Invalid Request.
    /// </summary>
    public static class InvalidRequest
    {
        public const string Method = "$/loom/invalidRequest";

        public static JsonRpcRequest? TryCreate(byte[] body, string reason)
        {
            try
            {
                using var doc = JsonDocument.Parse(body);
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("method", out _) || !root.TryGetProperty("id", out var id))
                {
                    return null;
                }
                RequestId requestId;
                if (id.ValueKind == JsonValueKind.String)
                {
                    requestId = new RequestId(id.GetString());
                }
                else if (id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out var number))
                {
                    requestId = new RequestId(number);
                }
                else
                {
                    return null;
                }
                return new JsonRpcRequest { RequestId = requestId, Method = Method, ArgumentsList = [reason] };
            }
            catch (JsonException)
            {
                return null;
            }
        }

        /// <summary>Registers the method that answers such requests.</summary>
        public static void Register(JsonRpc rpc) =>
            rpc.AddLocalRpcMethod(Method, new Func<string, object?>(reason =>
                throw new LocalRpcException($"invalid request: {reason}") { ErrorCode = (int)JsonRpcErrorCode.InvalidRequest }));
    }
}
