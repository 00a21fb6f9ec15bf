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
        var consumed = new MemoryStream();
        var length = await ReadHeaderAsync(input.Inner, consumed, cancellationToken).ConfigureAwait(false);
        if (length is not { } bodyLength)
        {
            input.Replay(consumed.ToArray());
            return false;
        }
        var body = new byte[bodyLength];
        var read = 0;
        while (read < bodyLength)
        {
            var n = await input.Inner.ReadAsync(body.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }
            read += n;
        }
        consumed.Write(body, 0, read);
        if (read < bodyLength || !TryParseInitialize(body, out var id, out var parameters))
        {
            input.Replay(consumed.ToArray());
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
            input.Replay(consumed.ToArray());
            return false;
        }
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

    private static async Task<int?> ReadHeaderAsync(Stream input, MemoryStream consumed, CancellationToken cancellationToken)
    {
        var one = new byte[1];
        var line = new StringBuilder();
        int? length = null;
        while (consumed.Length < MaxHeaderBytes)
        {
            var n = await input.ReadAsync(one, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return null;
            }
            consumed.WriteByte(one[0]);
            if (one[0] != '\n')
            {
                line.Append((char)one[0]);
                continue;
            }
            var text = line.ToString().TrimEnd('\r');
            line.Clear();
            if (text.Length == 0)
            {
                return length;
            }
            var colon = text.IndexOf(':');
            if (colon > 0 && text[..colon].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase) &&
                int.TryParse(text[(colon + 1)..].Trim(), out var value) && value is > 0 and < 64 * 1024 * 1024)
            {
                length = value;
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
