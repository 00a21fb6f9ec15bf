using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.LanguageServer.Documents;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Server;
using Microsoft.VisualStudio.Threading;
using StreamJsonRpc;

namespace Loom.LanguageServer.Tests.Harness;

/// <summary>
/// A fake editor speaking LSP through StreamJsonRpc: it holds document texts, applies
/// <c>workspace/applyEdit</c> to them (sending the didChange an editor would), answers configuration
/// and progress requests, and records every notification so tests wait on them (never on sleeps).
/// </summary>
public sealed class LspTestClient : IDisposable
{
    private readonly JsonRpc _rpc;
    private readonly object _gate = new();
    private readonly List<(string Method, JsonElement Params)> _notifications = new();
    private readonly List<TaskCompletionSource> _waiters = new();
    private readonly ConcurrentDictionary<string, FakeEditorDocument> _docs = new(StringComparer.Ordinal);

    public LspTestClient(Stream stream)
    {
        var formatter = new SystemTextJsonFormatter();
        LanguageServerHost.ConfigureJson(formatter.JsonSerializerOptions);
        _rpc = new JsonRpc(new HeaderDelimitedMessageHandler(stream, stream, formatter))
        {
            SynchronizationContext = new NonConcurrentSynchronizationContext(sticky: false),
        };
        On("workspace/applyEdit", p => OnApplyEdit(p));
        On("workspace/configuration", _ => new object?[] { Configuration });
        On("window/workDoneProgress/create", p => { Record("window/workDoneProgress/create", p); return null; });
        On("workspace/inlayHint/refresh", p => { Record("workspace/inlayHint/refresh", p); return null; });
        On("workspace/semanticTokens/refresh", p => { Record("workspace/semanticTokens/refresh", p); return null; });
        foreach (var method in new[] { "loom/generation", "loom/stateChanged", "$/progress", "window/logMessage", "window/showMessage" })
        {
            var m = method;
            On(m, p => { Record(m, p); return null; });
        }
        _rpc.StartListening();
    }

    private void On(string method, Func<JsonElement, object?> handler) =>
        _rpc.AddLocalRpcMethod(typeof(Callback).GetMethod(nameof(Callback.Invoke))!, new Callback(handler),
            new JsonRpcMethodAttribute(method) { UseSingleObjectParameterDeserialization = true });

    private sealed class Callback(Func<JsonElement, object?> handler)
    {
        public object? Invoke(JsonElement parameters = default) => handler(parameters);
    }

    /// <summary>What <c>workspace/configuration</c> answers for section <c>loom</c>.</summary>
    public JsonObject? Configuration { get; set; }

    /// <summary>When set, applyEdit answers <c>applied: false</c> (the editor refuses).</summary>
    public bool RefuseEdits { get; set; }

    /// <summary>Runs just before an applyEdit is checked: lets a test type "at the same moment".</summary>
    public Action<LspTestClient>? BeforeApplyEdit { get; set; }

    /// <summary>How many workspace/applyEdit requests arrived.</summary>
    public int ApplyEditCount { get; private set; }

    public List<TextEdit> LastEdits { get; } = new();

    public PositionEncoding Encoding { get; set; } = PositionEncoding.Utf16;

    public FakeEditorDocument Doc(string uri) => _docs[uri];

    public string Text(string uri) => _docs[uri].Text;

    public Task<T> RequestAsync<T>(string method, object? parameters, CancellationToken cancellationToken = default) =>
        _rpc.InvokeWithParameterObjectAsync<T>(method, parameters, cancellationToken);

    public Task<JsonElement> RequestAsync(string method, object? parameters, CancellationToken cancellationToken = default) =>
        RequestAsync<JsonElement>(method, parameters, cancellationToken);

    public Task NotifyAsync(string method, object? parameters) => _rpc.NotifyWithParameterObjectAsync(method, parameters);

    public Task<JsonElement> CommandAsync(string command, object argument, CancellationToken cancellationToken = default) =>
        RequestAsync("workspace/executeCommand", new { command, arguments = new[] { argument } }, cancellationToken);

    public async Task OpenAsync(string uri, string text, string languageId = "loom", int version = 1)
    {
        _docs[uri] = new FakeEditorDocument(uri, text, version);
        await NotifyAsync("textDocument/didOpen", new { textDocument = new { uri, languageId, version, text } });
    }

    public Task CloseAsync(string uri)
    {
        _docs.TryRemove(uri, out _);
        return NotifyAsync("textDocument/didClose", new { textDocument = new { uri } });
    }

    /// <summary>Types: replaces [start, end) of the document with <paramref name="text"/> and sends the incremental didChange.</summary>
    public Task ChangeAsync(string uri, int start, int end, string text)
    {
        FakeEditorDocument doc;
        object change;
        lock (_gate)
        {
            doc = _docs[uri];
            var range = new Protocol.Range(doc.PositionOf(start, Encoding), doc.PositionOf(end, Encoding));
            doc.Apply(range, text, Encoding);
            doc.Version++;
            change = new { textDocument = new { uri, version = doc.Version }, contentChanges = new[] { new { range, text } } };
        }
        return NotifyAsync("textDocument/didChange", change);
    }

    public Task TypeAtEndAsync(string uri, string text) => ChangeAsync(uri, Text(uri).Length, Text(uri).Length, text);

    private ApplyWorkspaceEditResult OnApplyEdit(JsonElement p)
    {
        lock (_gate)
        {
            ApplyEditCount++;
            Record("workspace/applyEdit", p);
            var before = BeforeApplyEdit;
            BeforeApplyEdit = null;
            before?.Invoke(this);
            if (RefuseEdits)
            {
                return new ApplyWorkspaceEditResult(false, "refused by the test");
            }
            var edit = p.GetProperty("edit");
            var perDoc = new List<(string Uri, int? Version, List<TextEdit> Edits)>();
            if (edit.TryGetProperty("documentChanges", out var dc))
            {
                foreach (var d in dc.EnumerateArray())
                {
                    var td = d.GetProperty("textDocument");
                    int? version = td.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
                    perDoc.Add((td.GetProperty("uri").GetString()!, version, ReadEdits(d.GetProperty("edits"))));
                }
            }
            else if (edit.TryGetProperty("changes", out var changes))
            {
                foreach (var prop in changes.EnumerateObject())
                {
                    perDoc.Add((prop.Name, null, ReadEdits(prop.Value)));
                }
            }
            foreach (var (uri, version, edits) in perDoc)
            {
                if (!_docs.TryGetValue(uri, out var doc) || (version is { } ver && ver != doc.Version))
                {
                    return new ApplyWorkspaceEditResult(false, "version mismatch");
                }
            }
            foreach (var (uri, _, edits) in perDoc)
            {
                var doc = _docs[uri];
                LastEdits.Clear();
                LastEdits.AddRange(edits);
                var contentChanges = new List<object>();
                // Apply from the end so earlier ranges stay valid (a single edit in practice).
                foreach (var e in edits.OrderByDescending(e => e.Range.Start.Line).ThenByDescending(e => e.Range.Start.Character))
                {
                    doc.Apply(e.Range, e.NewText, Encoding);
                    contentChanges.Add(new { range = e.Range, text = e.NewText });
                }
                doc.Version++;
                _ = NotifyAsync("textDocument/didChange", new { textDocument = new { uri, version = doc.Version }, contentChanges });
            }
            return new ApplyWorkspaceEditResult(true);
        }
    }

    private static List<TextEdit> ReadEdits(JsonElement edits) =>
        edits.EnumerateArray().Select(e => e.Deserialize<TextEdit>(LanguageServerHost.ConfigureJson(new JsonSerializerOptions()))!).ToList();

    private void Record(string method, JsonElement p)
    {
        lock (_gate)
        {
            _notifications.Add((method, p.ValueKind == JsonValueKind.Undefined ? default : p.Clone()));
            foreach (var w in _waiters)
            {
                w.TrySetResult();
            }
            _waiters.Clear();
        }
    }

    public IReadOnlyList<JsonElement> Notifications(string method)
    {
        lock (_gate)
        {
            return _notifications.Where(n => n.Method == method).Select(n => n.Params).ToList();
        }
    }

    /// <summary>Waits until a notification of <paramref name="method"/> matching <paramref name="match"/> has arrived (any time so far).</summary>
    public async Task<JsonElement> WaitForAsync(string method, Func<JsonElement, bool>? match = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            Task next;
            lock (_gate)
            {
                foreach (var (m, p) in _notifications)
                {
                    if (m == method && (match is null || match(p)))
                    {
                        return p;
                    }
                }
                var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add(tcs);
                next = tcs.Task;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"no '{method}' notification matched");
            }
            await Task.WhenAny(next, Task.Delay(left));
        }
    }

    public void ClearNotifications()
    {
        lock (_gate)
        {
            _notifications.Clear();
        }
    }

    public void Dispose() => _rpc.Dispose();
}
