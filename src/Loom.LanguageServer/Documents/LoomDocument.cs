using Loom.Core.Session;

namespace Loom.LanguageServer.Documents;

/// <summary>
/// One open document: the text the client holds (built only from didOpen/didChange), its version,
/// and the loom session bound to it. Fields are touched only by work running on <see cref="Queue"/>
/// (mutations one at a time; reads only between mutations), so no field needs a lock.
/// </summary>
public sealed class LoomDocument
{
    private LineIndex? _lines;

    public LoomDocument(string uri, string languageId, string text, int version, DocumentQueue queue)
    {
        Uri = uri;
        LanguageId = languageId;
        ClientText = text;
        ClientVersion = version;
        Queue = queue;
    }

    public string Uri { get; }

    public string LanguageId { get; }

    public DocumentQueue Queue { get; }

    /// <summary>The client's buffer as the server has been told it (didOpen + every didChange).</summary>
    public string ClientText { get; set; }

    public int ClientVersion { get; set; }

    /// <summary>The loom session; null for a non-loom document until <c>loom.attach</c>.</summary>
    public LoomSession? Session { get; set; }

    /// <summary>The session state the buffer was last brought to (or null before binding).</summary>
    public SessionState? State { get; set; }

    /// <summary>A workspace edit the server sent and expects to see echoed back as a didChange.</summary>
    public PendingEcho? PendingEcho { get; set; }

    /// <summary>Set by <c>didClose</c>; work still queued for a closed document does nothing.</summary>
    public bool IsClosed { get; set; }

    /// <summary>The running generation of this document, if any.</summary>
    public GenerationHandle? Generation { get; set; }

    public bool IsLoom => Session is not null;

    public LoomSession RequireSession() =>
        Session ?? throw new Rpc.RequestFailedException($"'{Uri}' is not a loom document; run loom.attach first");

    /// <summary>Line starts of <see cref="ClientText"/>, built at most once per text.</summary>
    public LineIndex Lines
    {
        get
        {
            var lines = _lines;
            if (lines is null || !ReferenceEquals(lines.Text, ClientText))
            {
                lines = LineIndex.Build(ClientText);
                _lines = lines;
            }
            return lines;
        }
    }

    /// <summary>True when the client's buffer equals the current path text.</summary>
    public bool InSync => State is { } s && (ReferenceEquals(s.FullText, ClientText) || string.Equals(s.FullText, ClientText, StringComparison.Ordinal));
}

/// <summary>An edit sent with <c>workspace/applyEdit</c> based on <see cref="BaseVersion"/> that should produce <see cref="ExpectedText"/>.</summary>
public sealed record PendingEcho(int BaseVersion, string ExpectedText);

/// <summary>A generation in flight for a document: how to cancel it.</summary>
public sealed class GenerationHandle
{
    public GenerationHandle(CancellationTokenSource cancellation, object? progressToken)
    {
        Cancellation = cancellation;
        ProgressToken = progressToken;
    }

    public CancellationTokenSource Cancellation { get; }

    public object? ProgressToken { get; set; }
}
