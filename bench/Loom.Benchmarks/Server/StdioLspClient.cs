using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Loom.Benchmarks.Server;

/// <summary>
/// A minimal LSP client over a child process's stdio, for timing: Content-Length framing by hand,
/// responses matched by id, and a fake editor buffer per document that applies
/// <c>workspace/applyEdit</c> (and sends the didChange an editor would) before answering.
/// </summary>
public sealed class StdioLspClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Stream _input;
    private readonly Stream _output;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<int, TaskCompletionSource<LazyResult>> _pending = new();
    private readonly Dictionary<string, (string Text, int Version)> _docs = new(StringComparer.Ordinal);
    private readonly Task _reader;
    private int _nextId;

    private StdioLspClient(Process process)
    {
        _process = process;
        _input = process.StandardInput.BaseStream;
        _output = process.StandardOutput.BaseStream;
        _reader = Task.Run(ReadLoop);
    }

    public int ProcessId => _process.Id;

    public static StdioLspClient Start(string executable, params string[] args)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        var process = Process.Start(info)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        return new StdioLspClient(process);
    }

    /// <summary>Sends a request; the answer's result is parsed only when asked for (<see cref="LazyResult.Parse"/>).</summary>
    public async Task<LazyResult> RequestAsync(string method, JsonNode? parameters)
    {
        var id = Interlocked.Increment(ref _nextId);
        var tcs = new TaskCompletionSource<LazyResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = tcs;
        await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters });
        return await tcs.Task;
    }

    public Task NotifyAsync(string method, JsonNode? parameters) =>
        SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = parameters });

    public Task<LazyResult> CommandAsync(string command, JsonObject argument) =>
        RequestAsync("workspace/executeCommand", new JsonObject { ["command"] = command, ["arguments"] = new JsonArray(argument) });

    public async Task OpenAsync(string uri, string text)
    {
        lock (_docs)
        {
            _docs[uri] = (text, 1);
        }
        await NotifyAsync("textDocument/didOpen", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = uri, ["languageId"] = "loom", ["version"] = 1, ["text"] = text },
        });
    }

    public int Length(string uri)
    {
        lock (_docs)
        {
            return _docs[uri].Text.Length;
        }
    }

    public string Text(string uri)
    {
        lock (_docs)
        {
            return _docs[uri].Text;
        }
    }

    /// <summary>Types at the end of a single-line-free tail: the position is computed from the buffer.</summary>
    public Task TypeAtEndAsync(string uri, string text)
    {
        JsonObject change;
        lock (_docs)
        {
            var (current, version) = _docs[uri];
            var pos = PositionOf(current, current.Length);
            version++;
            _docs[uri] = (current + text, version);
            change = new JsonObject
            {
                ["textDocument"] = new JsonObject { ["uri"] = uri, ["version"] = version },
                ["contentChanges"] = new JsonArray(new JsonObject { ["range"] = Range(pos, pos), ["text"] = text }),
            };
        }
        return NotifyAsync("textDocument/didChange", change);
    }

    private static JsonObject Range((int Line, int Character) a, (int Line, int Character) b) => new()
    {
        ["start"] = new JsonObject { ["line"] = a.Line, ["character"] = a.Character },
        ["end"] = new JsonObject { ["line"] = b.Line, ["character"] = b.Character },
    };

    private static (int Line, int Character) PositionOf(string text, int offset)
    {
        var span = text.AsSpan(0, offset);
        var line = span.Count('\n');
        var lineStart = span.LastIndexOf('\n') + 1;
        return (line, offset - lineStart);
    }

    private static int OffsetOf(string text, int line, int character)
    {
        var offset = 0;
        for (var l = 0; l < line; l++)
        {
            offset = text.IndexOf('\n', offset) + 1;
        }
        return Math.Min(offset + character, text.Length);
    }

    private async Task SendAsync(JsonNode message)
    {
        var body = Encoding.UTF8.GetBytes(message.ToJsonString());
        var header = Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n");
        await _writeLock.WaitAsync();
        try
        {
            await _input.WriteAsync(header);
            await _input.WriteAsync(body);
            await _input.FlushAsync();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task ReadLoop()
    {
        var buffer = new BufferedStream(_output, 1 << 16);
        var headerBytes = new List<byte>(64);
        while (true)
        {
            var length = -1;
            while (true)
            {
                headerBytes.Clear();
                int b;
                while ((b = buffer.ReadByte()) >= 0 && b != '\n')
                {
                    headerBytes.Add((byte)b);
                }
                if (b < 0)
                {
                    return;
                }
                var line = Encoding.ASCII.GetString(headerBytes.ToArray()).TrimEnd('\r');
                if (line.Length == 0)
                {
                    break;
                }
                if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                {
                    length = int.Parse(line["Content-Length:".Length..].Trim());
                }
            }
            var body = new byte[length];
            var read = 0;
            while (read < length)
            {
                var n = await buffer.ReadAsync(body.AsMemory(read, length - read));
                if (n == 0)
                {
                    return;
                }
                read += n;
            }
            var (method, id, hasError) = Peek(body);
            if (method is not null)
            {
                if (id is { } requestId)
                {
                    var message = JsonNode.Parse(body)!.AsObject();
                    JsonNode? result = method switch
                    {
                        "workspace/applyEdit" => await ApplyEditAsync(message["params"]!),
                        "workspace/configuration" => new JsonArray((JsonNode?)null),
                        _ => null,
                    };
                    await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = requestId, ["result"] = result });
                }
                // Notifications (loom/stateChanged, loom/generation, logs) are not needed for timing: not parsed.
                continue;
            }
            if (id is { } responseId && _pending.TryRemove(responseId, out var tcs))
            {
                if (hasError)
                {
                    tcs.SetException(new InvalidOperationException(Encoding.UTF8.GetString(body)));
                }
                else
                {
                    tcs.SetResult(new LazyResult(body));
                }
            }
        }
    }

    /// <summary>Reads only the top-level method, id and error of a message, skipping every value (large texts are not decoded).</summary>
    private static (string? Method, int? Id, bool HasError) Peek(byte[] body)
    {
        var reader = new Utf8JsonReader(body);
        string? method = null;
        int? id = null;
        var hasError = false;
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "method":
                    method = reader.GetString();
                    break;
                case "id" when reader.TokenType == JsonTokenType.Number:
                    id = reader.GetInt32();
                    break;
                case "error":
                    hasError = true;
                    reader.Skip();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        return (method, id, hasError);
    }

    private async Task<JsonNode> ApplyEditAsync(JsonNode p)
    {
        var changes = new List<(string Uri, int Version, JsonArray Edits)>();
        foreach (var dc in p["edit"]!["documentChanges"]!.AsArray())
        {
            var uri = dc!["textDocument"]!["uri"]!.GetValue<string>();
            var sent = new JsonArray();
            int version;
            lock (_docs)
            {
                var (text, v) = _docs[uri];
                if (dc["textDocument"]!["version"]!.GetValue<int>() != v)
                {
                    return new JsonObject { ["applied"] = false };
                }
                foreach (var e in dc["edits"]!.AsArray())
                {
                    var r = e!["range"]!;
                    var start = OffsetOf(text, r["start"]!["line"]!.GetValue<int>(), r["start"]!["character"]!.GetValue<int>());
                    var end = OffsetOf(text, r["end"]!["line"]!.GetValue<int>(), r["end"]!["character"]!.GetValue<int>());
                    var newText = e["newText"]!.GetValue<string>();
                    text = string.Concat(text.AsSpan(0, start), newText, text.AsSpan(end));
                    sent.Add(new JsonObject { ["range"] = r.DeepClone(), ["text"] = newText });
                }
                version = v + 1;
                _docs[uri] = (text, version);
            }
            changes.Add((uri, version, sent));
        }
        foreach (var (uri, version, edits) in changes)
        {
            await NotifyAsync("textDocument/didChange", new JsonObject
            {
                ["textDocument"] = new JsonObject { ["uri"] = uri, ["version"] = version },
                ["contentChanges"] = edits,
            });
        }
        return new JsonObject { ["applied"] = true };
    }

    /// <summary>A response body kept as bytes until needed.</summary>
    public sealed class LazyResult(byte[] body)
    {
        public JsonNode? Parse() => JsonNode.Parse(body)!["result"];
    }

    public long ResidentBytes()
    {
        _process.Refresh();
        var status = $"/proc/{_process.Id}/status";
        if (File.Exists(status))
        {
            foreach (var line in File.ReadLines(status))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
                }
            }
        }
        return _process.WorkingSet64;
    }

    public async Task<int> ShutdownAsync()
    {
        await RequestAsync("shutdown", null);
        await NotifyAsync("exit", null);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
