using Loom.LanguageServer.Documents;
using Loom.LanguageServer.Sessions;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Handlers;

/// <summary><c>loom/state</c> <c>{uri}</c> -> <c>LoomState</c>.</summary>
public sealed class LoomStateHandler : DocumentHandler<bool>
{
    public LoomStateHandler(ServerContext server) : base(server)
    {
    }

    public override string Method => Methods.LoomState;

    public override bool Mutates => false;

    protected override string UriField => "uri";

    protected override (string Uri, bool Args) Parse(ParamReader p) => (p.NonEmptyString("uri"), true);

    protected override Task<object?> ExecuteAsync(LoomDocument doc, bool args, CancellationToken cancellationToken) =>
        Task.FromResult<object?>(StateMapper.ToProtocol(doc.Uri, doc.RequireSession().GetState()));
}
