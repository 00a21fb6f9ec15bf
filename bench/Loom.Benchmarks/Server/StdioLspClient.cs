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
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode?>> _pending = new();
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

    public async Task<JsonNode?> RequestAsync(string method, JsonNode? parameters)
    {
        var id = Interlocked.Increment(ref _nextId);
        var tcs = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = tcs;
        await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters });
        return await tcs.Task;
    }

    public Task NotifyAsync(string method, JsonNode? parameters) =>
        SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = parameters });

    public Task<JsonNode?> CommandAsync(string command, JsonObject argument) =>
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
            var message = JsonNode.Parse(body)!.AsObject();
            if (message["method"] is JsonValue methodValue)
            {
                var method = methodValue.GetValue<string>();
                if (message["id"] is { } requestId)
                {
                    JsonNode? result = method switch
                    {
                        "workspace/applyEdit" => await ApplyEditAsync(message["params"]!),
                        "workspace/configuration" => new JsonArray((JsonNode?)null),
                        _ => null,
                    };
                    await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = requestId.DeepClone(), ["result"] = result });
                }
                continue;
            }
            if (message["id"] is JsonValue idValue && _pending.TryRemove(idValue.GetValue<int>(), out var tcs))
            {
                if (message["error"] is { } error)
                {
                    tcs.SetException(new InvalidOperationException(error.ToJsonString()));
                }
                else
                {
                    tcs.SetResult(message["result"]);
                }
            }
        }
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
