using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.LanguageServer.Documents;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Tests.Harness;

namespace Loom.Reliability.Tests.Support;

/// <summary>
/// An LSP client that writes raw bytes (so it can send anything, framed or not) and reads the
/// server's frames itself. It behaves like an editor for the server's own requests: applies
/// <c>workspace/applyEdit</c> to its documents and sends the didChange, answers configuration and
/// progress creation. Every response is matched to its request by the id as sent.
/// </summary>
public sealed class RawLspClient : IDisposable
{
    private readonly Stream _input;
    private readonly Stream _output;
    private readonly object _writeGate = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonObject>> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FakeEditorDocument> _docs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<JsonObject> _notifications = new();
    private readonly Thread _reader;
    private readonly Thread _writer;
    private readonly System.Collections.Concurrent.BlockingCollection<byte[]> _outbox = new();
    private long _responses;
    private long _unmatched;
    private long _serverRequests;

    public RawLspClient(Stream serverStdout, Stream serverStdin)
    {
        _input = serverStdout;
        _output = serverStdin;
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "raw-lsp-reader" };
        _reader.Start();
        // Writes go through one queue and thread: the reader never waits on a write (a full pipe both ways would deadlock).
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "raw-lsp-writer" };
        _writer.Start();
    }

    private void WriteLoop()
    {
        try
        {
            var trace = Environment.GetEnvironmentVariable("LOOM_FUZZ_TRACE");
            using var record = string.IsNullOrEmpty(trace) ? null : File.Create(trace + ".out");
            foreach (var bytes in _outbox.GetConsumingEnumerable())
            {
                record?.Write(bytes);
                record?.Flush();
                _output.Write(bytes);
                _output.Flush();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            Closed.TrySetResult(e);
        }
    }

    public long Responses => Interlocked.Read(ref _responses);

    /// <summary>Responses whose id matches no request sent (or that answered one twice).</summary>
    public long Unmatched => Interlocked.Read(ref _unmatched);

    public long ServerRequests => Interlocked.Read(ref _serverRequests);

    public IEnumerable<JsonObject> Notifications => _notifications;

    /// <summary>Set when the server's output stream ended or broke.</summary>
    public TaskCompletionSource<Exception?> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public FakeEditorDocument? Doc(string uri) => _docs.TryGetValue(uri, out var d) ? d : null;

    public void TrackDocument(string uri, string text, int version) => _docs[uri] = new FakeEditorDocument(uri, text, version);

    /// <summary>Key of an id as the server should echo it: strings as themselves, numbers by value.</summary>
    public static string IdKey(JsonNode? id) => id switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => "s:" + v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number =>
            "n:" + double.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture),
        _ => "?:" + (id?.ToJsonString() ?? "null"),
    };

    public static byte[] Frame(string body) => Frame(Encoding.UTF8.GetBytes(body));

    public static byte[] Frame(byte[] body)
    {
        var head = Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n");
        return [.. head, .. body];
    }

    /// <summary>Writes bytes as one unit (nothing of another writer comes between).</summary>
    public void SendRaw(byte[] bytes)
    {
        lock (_writeGate)
        {
            _outbox.Add(bytes);
        }
    }

    public void SendMessage(JsonObject message) => SendRaw(Frame(message.ToJsonString()));

    /// <summary>Registers the id before the request goes out; the task completes with the response.</summary>
    public Task<JsonObject> Expect(JsonNode id)
    {
        var tcs = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(IdKey(id), tcs))
        {
            throw new InvalidOperationException($"id {id.ToJsonString()} used twice");
        }
        return tcs.Task;
    }

    public Task<JsonObject> Request(JsonNode id, string method, JsonNode? parameters)
    {
        var answer = Expect(id);
        var msg = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id.DeepClone(), ["method"] = method };
        if (parameters is not null)
        {
            msg["params"] = parameters;
        }
        SendMessage(msg);
        return answer;
    }

    public void Notify(string method, JsonNode? parameters)
    {
        var msg = new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method };
        if (parameters is not null)
        {
            msg["params"] = parameters;
        }
        SendMessage(msg);
    }

    /// <summary>Types into a tracked document: the edit and its didChange go out under one lock, so versions stay in order.</summary>
    public void Change(string uri, int start, int end, string text) => Change(uri, start, end, text, rawJsonText: null);

    /// <summary>
    /// Like <see cref="Change(string,int,int,string)"/>, but the change's <c>text</c> goes out as
    /// <paramref name="rawJsonText"/> (a JSON string literal a broken client wrote, e.g. with a lone
    /// <c>\ud800</c>, which no JSON writer here would produce).
    /// </summary>
    public void Change(string uri, int start, int end, string text, string? rawJsonText)
    {
        const string placeholder = "@@raw-text@@";
        lock (_writeGate)
        {
            var doc = _docs[uri];
            var range = new Loom.LanguageServer.Protocol.Range(doc.PositionOf(start), doc.PositionOf(end));
            doc.Apply(range, text);
            doc.Version++;
            var msg = new JsonObject
            {
                ["jsonrpc"] = "2.0",
                ["method"] = "textDocument/didChange",
                ["params"] = new JsonObject
                {
                    ["textDocument"] = new JsonObject { ["uri"] = uri, ["version"] = doc.Version },
                    ["contentChanges"] = new JsonArray(new JsonObject { ["range"] = RangeJson(range), ["text"] = rawJsonText is null ? text : placeholder }),
                },
            };
            var json = msg.ToJsonString();
            _outbox.Add(Frame(rawJsonText is null ? json : json.Replace($"\"{placeholder}\"", rawJsonText, StringComparison.Ordinal)));
        }
    }

    public static JsonObject RangeJson(Loom.LanguageServer.Protocol.Range r) => new()
    {
        ["start"] = new JsonObject { ["line"] = r.Start.Line, ["character"] = r.Start.Character },
        ["end"] = new JsonObject { ["line"] = r.End.Line, ["character"] = r.End.Character },
    };

    public IReadOnlyList<string> UnansweredIds() => _pending.Keys.ToList();

    private void ReadLoop()
    {
        try
        {
            while (true)
            {
                var body = ReadFrame();
                if (body is null)
                {
                    Closed.TrySetResult(null);
                    return;
                }
                var node = JsonNode.Parse(body) as JsonObject ?? throw new InvalidDataException("server sent a message that is not an object: " + body);
                Dispatch(node);
            }
        }
        catch (Exception e)
        {
            Closed.TrySetResult(e);
        }
    }

    private void Dispatch(JsonObject msg)
    {
        if (Environment.GetEnvironmentVariable("LOOM_FUZZ_TRACE") is { Length: > 0 } trace)
        {
            var text = msg.ToJsonString();
            File.AppendAllText(trace + ".in", (text.Length > 300 ? text[..300] : text) + "\n");
        }
        var hasMethod = msg.ContainsKey("method");
        var hasId = msg.ContainsKey("id");
        if (hasMethod && hasId)
        {
            Interlocked.Increment(ref _serverRequests);
            AnswerServerRequest(msg);
        }
        else if (hasMethod)
        {
            _notifications.Enqueue(msg);
        }
        else
        {
            Interlocked.Increment(ref _responses);
            if (_pending.TryRemove(IdKey(msg["id"]), out var tcs))
            {
                tcs.TrySetResult(msg);
            }
            else
            {
                Interlocked.Increment(ref _unmatched);
                _notifications.Enqueue(msg);
            }
        }
    }

    private void AnswerServerRequest(JsonObject msg)
    {
        var method = msg["method"]!.GetValue<string>();
        JsonNode? result = null;
        lock (_writeGate)
        {
            switch (method)
            {
                case "workspace/applyEdit":
                    result = ApplyEdit(msg["params"]!.AsObject());
                    break;
                case "workspace/configuration":
                    result = new JsonArray(new JsonObject { ["model"] = "offline/markov" });
                    break;
            }
            var answer = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = msg["id"]!.DeepClone(), ["result"] = result };
            _outbox.Add(Frame(answer.ToJsonString()));
            if (result is JsonObject { } applied && applied["applied"]?.GetValue<bool>() == true && _lastEcho is { } echo)
            {
                _outbox.Add(Frame(echo.ToJsonString()));
            }
            _lastEcho = null;
        }
    }

    private JsonObject? _lastEcho;

    private JsonObject ApplyEdit(JsonObject p)
    {
        var edit = p["edit"]!.AsObject();
        foreach (var dc in edit["documentChanges"]?.AsArray() ?? [])
        {
            var td = dc!["textDocument"]!;
            var uri = td["uri"]!.GetValue<string>();
            var version = td["version"]?.GetValue<int>();
            if (!_docs.TryGetValue(uri, out var doc) || (version is { } v && v != doc.Version))
            {
                return new JsonObject { ["applied"] = false, ["failureReason"] = "version mismatch" };
            }
            var changes = new JsonArray();
            foreach (var e in dc["edits"]!.AsArray())
            {
                var range = e!["range"].Deserialize<Loom.LanguageServer.Protocol.Range>(JsonOptions)!;
                var text = e["newText"]!.GetValue<string>();
                doc.Apply(range, text);
                changes.Add(new JsonObject { ["range"] = RangeJson(range), ["text"] = text });
            }
            doc.Version++;
            _lastEcho = new JsonObject
            {
                ["jsonrpc"] = "2.0",
                ["method"] = "textDocument/didChange",
                ["params"] = new JsonObject
                {
                    ["textDocument"] = new JsonObject { ["uri"] = uri, ["version"] = doc.Version },
                    ["contentChanges"] = changes,
                },
            };
        }
        return new JsonObject { ["applied"] = true };
    }

    private static readonly JsonSerializerOptions JsonOptions = Loom.LanguageServer.Server.LanguageServerHost.ConfigureJson(new JsonSerializerOptions());

    private readonly byte[] _buffer = new byte[1 << 16];
    private int _start;
    private int _end;

    private string? ReadFrame()
    {
        int length = -1;
        while (true)
        {
            var line = ReadLine();
            if (line is null)
            {
                return null;
            }
            if (line.Length == 0)
            {
                break;
            }
            var colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                length = int.Parse(line[(colon + 1)..].Trim(), CultureInfo.InvariantCulture);
            }
        }
        if (length < 0)
        {
            throw new InvalidDataException("server frame without Content-Length");
        }
        var body = new byte[length];
        var got = 0;
        while (got < length)
        {
            if (_start == _end && !Fill())
            {
                return null;
            }
            var n = Math.Min(length - got, _end - _start);
            Array.Copy(_buffer, _start, body, got, n);
            _start += n;
            got += n;
        }
        return Encoding.UTF8.GetString(body);
    }

    private string? ReadLine()
    {
        var sb = new StringBuilder();
        while (true)
        {
            if (_start == _end && !Fill())
            {
                return null;
            }
            var b = _buffer[_start++];
            if (b == '\n')
            {
                return sb.ToString().TrimEnd('\r');
            }
            sb.Append((char)b);
        }
    }

    private bool Fill()
    {
        _start = 0;
        _end = _input.Read(_buffer, 0, _buffer.Length);
        return _end > 0;
    }

    public void Dispose()
    {
        // The output stream belongs to the process (killed by its owner); a write blocked on a full pipe must not block here.
        _outbox.CompleteAdding();
    }
}
