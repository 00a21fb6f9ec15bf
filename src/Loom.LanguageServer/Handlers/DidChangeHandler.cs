using Loom.LanguageServer.Documents;
using Loom.LanguageServer.Sessions;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Handlers;

/// <summary><c>textDocument/didChange</c> (incremental): each change maps to the tree by the edit rules, located by its range.</summary>
public sealed class DidChangeHandler : DocumentHandler<DidChangeHandler.Args>
{
    public DidChangeHandler(ServerContext server) : base(server)
    {
    }

    public sealed record Args(int Version, IReadOnlyList<ContentChange> Changes);

    public override string Method => Methods.DidChange;

    public override bool IsNotification => true;

    public override bool Mutates => true;

    protected override (string Uri, Args Args) Parse(ParamReader p)
    {
        var td = p.Object("textDocument");
        var uri = td.NonEmptyString("uri");
        var version = td.OptionalInt("version") ?? 0;
        var changes = new List<ContentChange>();
        foreach (var c in p.Array("contentChanges"))
        {
            var text = c.TextRepairingLoneSurrogates("text");
            changes.Add(new ContentChange(c.Has("range") ? ReadRange(c, "range") : null, text.Text, text.Replaced));
        }
        return (uri, new Args(version, changes));
    }

    protected override async Task<object?> ExecuteAsync(LoomDocument doc, Args args, CancellationToken cancellationToken)
    {
        var changed = await Server.Buffers.ApplyClientChangesAsync(doc, args.Version, args.Changes, CancellationToken.None).ConfigureAwait(false);
        if (changed && doc.State is { } state)
        {
            Server.Notifier.Notify(doc, state);
            Server.Notifier.NotifyPeers(doc);
        }
        return null;
    }
}
