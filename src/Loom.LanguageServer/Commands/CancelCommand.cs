using Loom.LanguageServer.Sessions;
using Loom.LanguageServer.Rpc;

namespace Loom.LanguageServer.Commands;

/// <summary><c>loom.cancel</c>: stops the document's generation at once (does not wait behind queued work).</summary>
public sealed class CancelCommand : LoomCommand<NoArgs>
{
    public override string Name => "loom.cancel";

    public override CommandScope Scope => CommandScope.Immediate;

    protected override NoArgs ParseArgs(ParamReader args) => default;

    protected override Task<object?> ExecuteAsync(CommandContext context, NoArgs args, CancellationToken cancellationToken)
    {
        var doc = context.Doc;
        var session = doc.RequireSession();
        doc.Generation?.Cancellation.Cancel();
        session.Cancel();
        return Task.FromResult<object?>(StateMapper.ToProtocol(doc.Uri, session.GetState()));
    }
}
