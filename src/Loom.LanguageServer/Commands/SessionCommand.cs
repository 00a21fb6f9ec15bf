using Loom.Core.Session;
using Loom.LanguageServer.Sessions;
using Loom.LanguageServer.Rpc;

namespace Loom.LanguageServer.Commands;

/// <summary>
/// A command that calls one session method and returns the new <c>LoomState</c>: the buffer is
/// brought to the new path (minimal applyEdit) before the reply, and <c>loom/stateChanged</c> is sent.
/// </summary>
public abstract class SessionCommand<TArgs> : LoomCommand<TArgs>
{
    public override CommandScope Scope => CommandScope.Mutation;

    protected abstract SessionState Apply(LoomSession session, TArgs args);

    protected virtual string EditLabel => "Loom: " + Name["loom.".Length..];

    protected override async Task<object?> ExecuteAsync(CommandContext context, TArgs args, CancellationToken cancellationToken)
    {
        var state = await ApplyAndShowAsync(context, args, cancellationToken).ConfigureAwait(false);
        return StateMapper.ToProtocol(context.Doc.Uri, state);
    }

    protected async Task<SessionState> ApplyAndShowAsync(CommandContext context, TArgs args, CancellationToken cancellationToken)
    {
        var doc = context.Doc;
        var session = doc.RequireSession();
        var state = Apply(session, args);
        await context.Server.Buffers.ShowStateAsync(doc, state, EditLabel, CancellationToken.None).ConfigureAwait(false);
        state = doc.State ?? state;
        // The binding's node is written on save, close and shutdown, not on every move: the tree's own
        // current node (which Core writes at once) covers a crash in between (see DocumentBinder).
        context.Server.Notifier.Notify(doc, state);
        context.Server.Notifier.NotifyPeers(doc);
        return state;
    }
}

/// <summary>A session command without arguments beyond <c>uri</c>.</summary>
public abstract class SimpleSessionCommand : SessionCommand<NoArgs>
{
    protected sealed override NoArgs ParseArgs(ParamReader args) => default;

    protected sealed override SessionState Apply(LoomSession session, NoArgs args) => Apply(session);

    protected abstract SessionState Apply(LoomSession session);
}
