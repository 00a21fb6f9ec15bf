using Loom.LanguageServer.Sessions;
using Loom.LanguageServer.Rpc;

namespace Loom.LanguageServer.Commands;

/// <summary><c>loom.save</c>: persists the current node, selections and the document's binding.</summary>
public sealed class SaveCommand : LoomCommand<NoArgs>
{
    public override string Name => "loom.save";

    public override CommandScope Scope => CommandScope.Mutation;

    protected override NoArgs ParseArgs(ParamReader args) => default;

    protected override Task<object?> ExecuteAsync(CommandContext context, NoArgs args, CancellationToken cancellationToken)
    {
        var doc = context.Doc;
        var session = doc.RequireSession();
        session.Save();
        context.Server.Binder.SaveBinding(doc);
        return Task.FromResult<object?>(StateMapper.ToProtocol(doc.Uri, session.GetState()));
    }
}
