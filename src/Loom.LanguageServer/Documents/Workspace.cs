using System.Collections.Concurrent;
using Loom.LanguageServer.Rpc;

namespace Loom.LanguageServer.Documents;

/// <summary>The open documents by URI. Opening and closing happen in arrival order (called synchronously by the handlers).</summary>
public sealed class Workspace
{
    private readonly ConcurrentDictionary<string, LoomDocument> _open = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task> _closing = new(StringComparer.Ordinal);

    public IEnumerable<LoomDocument> Documents => _open.Values;

    /// <summary>Adds a document; its queue starts after any close of the same URI still running.</summary>
    public LoomDocument Open(string uri, string languageId, string text, int version)
    {
        _closing.TryRemove(uri, out var closing);
        var doc = new LoomDocument(uri, languageId, text, version, new DocumentQueue(closing));
        if (_open.TryRemove(uri, out var previous))
        {
            // A second didOpen without a close: the old document's queue finishes first.
            previous.IsClosed = true;
            doc = new LoomDocument(uri, languageId, text, version, new DocumentQueue(previous.Queue.Drained));
        }
        _open[uri] = doc;
        return doc;
    }

    public LoomDocument? TryGet(string uri) => _open.TryGetValue(uri, out var doc) ? doc : null;

    public LoomDocument Get(string uri, string field = "textDocument.uri") =>
        TryGet(uri) ?? throw new InvalidParamsException(field, $"names no open document ('{uri}')");

    /// <summary>Removes the document; <paramref name="finalWork"/> is the queued close work later opens wait for.</summary>
    public LoomDocument? Close(string uri) => _open.TryRemove(uri, out var doc) ? doc : null;

    public void RegisterClosing(string uri, Task finalWork) => _closing[uri] = finalWork;

    public IReadOnlyList<string> OpenUrisOfTree(string treeId) =>
        _open.Values.Where(d => d.Session is { } s && s.TreeId == treeId).Select(d => d.Uri).ToList();
}
