using System.Text;
using System.Text.Json;
using Loom.LanguageServer.Protocol;

namespace Loom.LanguageServer.Rpc;

/// <summary>
/// Answers the first message, <c>initialize</c>, while StreamJsonRpc is still being set up on
/// another thread (setting it up costs more than the whole answer): the message is read with plain
/// Content-Length framing, given to the same <see cref="LspHandler"/>, and the response written by
/// hand. Any other first message, or anything unexpected, is replayed to StreamJsonRpc unchanged.
/// </summary>
public static class InitializeFastPath
{
    private const int MaxHeaderBytes = 4096;

    /// <summary>Returns true when the first message was <c>initialize</c> and has been answered.</summary>
    public static async Task<bool> TryAnswerAsync(ReplayStream input, Stream output, LspHandler initialize,
        JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        // Plain blocking reads of whole chunks: at start-up nothing else waits for this thread, and
        // per-byte async reads would cost a thread-pool hop each. Bytes read past the first message
        // (the client's next messages) are replayed to StreamJsonRpc.
        var buffer = new byte[16 * 1024];
        var filled = 0;
        int headerEnd;
        while ((headerEnd = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (filled >= MaxHeaderBytes || !ReadMore(input.Inner, ref buffer, ref filled))
            {
                input.Replay(buffer[..filled]);
                return false;
            }
        }
        var length = ContentLength(Encoding.ASCII.GetString(buffer, 0, headerEnd));
        var bodyStart = headerEnd + 4;
        if (length is not { } bodyLength)
        {
            input.Replay(buffer[..filled]);
            return false;
        }
        while (filled < bodyStart + bodyLength)
        {
            if (!ReadMore(input.Inner, ref buffer, ref filled))
            {
                input.Replay(buffer[..filled]);
                return false;
            }
        }
        var body = buffer.AsSpan(bodyStart, bodyLength).ToArray();
        var rest = buffer[(bodyStart + bodyLength)..filled];
        if (!TryParseInitialize(body, out var id, out var parameters))
        {
            input.Replay(buffer[..filled]);
            return false;
        }
        object? result;
        try
        {
            result = await initialize.HandleAsync(parameters, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Let StreamJsonRpc answer it (and its error) the ordinary way.
            input.Replay(buffer[..filled]);
            return false;
        }
        input.Replay(rest);
        byte[] response;
        try
        {
            response = Response(id, result, json);
        }
        catch (NotSupportedException)
        {
            // A type the compile-time context does not know: serialize by reflection instead.
            response = Response(id, result, new JsonSerializerOptions(json) { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() });
        }
        var header = Encoding.ASCII.GetBytes($"Content-Length: {response.Length}\r\n\r\n");
        await output.WriteAsync(header, cancellationToken).ConfigureAwait(false);
        await output.WriteAsync(response, cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static bool ReadMore(Stream input, ref byte[] buffer, ref int filled)
    {
        if (filled == buffer.Length)
        {
            Array.Resize(ref buffer, buffer.Length * 2);
        }
        var n = input.Read(buffer, filled, buffer.Length - filled);
        filled += n;
        return n > 0;
    }

    private static int? ContentLength(string headers)
    {
        foreach (var line in headers.Split("\r\n"))
        {
            var colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase) &&
                int.TryParse(line[(colon + 1)..].Trim(), out var value) && value is > 0 and < 64 * 1024 * 1024)
            {
                return value;
            }
        }
        return null;
    }

    private static bool TryParseInitialize(byte[] body, out JsonElement id, out JsonElement parameters)
    {
        id = default;
        parameters = default;
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object ||
                !root.TryGetProperty("method", out var method) || method.ValueKind != JsonValueKind.String ||
                method.GetString() != Methods.Initialize ||
                !root.TryGetProperty("id", out var idElement) || idElement.ValueKind is not (JsonValueKind.Number or JsonValueKind.String) ||
                !root.TryGetProperty("params", out var p) || p.ValueKind != JsonValueKind.Object)
            {
                return false;
            }
            id = idElement.Clone();
            parameters = p.Clone();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static byte[] Response(JsonElement id, object? result, JsonSerializerOptions json)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc", "2.0");
            writer.WritePropertyName("id");
            id.WriteTo(writer);
            writer.WritePropertyName("result");
            JsonSerializer.Serialize(writer, result, result?.GetType() ?? typeof(object), json);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
