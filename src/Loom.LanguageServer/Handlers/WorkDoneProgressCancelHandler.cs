using System.Text.Json;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Handlers;

/// <summary><c>window/workDoneProgress/cancel</c>: the same as <c>loom.cancel</c> for the generation behind the token.</summary>
public sealed class WorkDoneProgressCancelHandler : LspHandler
{
    private readonly ServerContext _server;

    public WorkDoneProgressCancelHandler(ServerContext server) => _server = server;

    public override string Method => Methods.WorkDoneProgressCancel;

    public override bool IsNotification => true;

    public override Task<object?> HandleAsync(JsonElement parameters, CancellationToken cancellationToken)
    {
        var token = ParamReader.Root(parameters).OptionalToken("token") ?? throw new InvalidParamsException("token", "is required");
        if (!_server.Progress.Cancel(token))
        {
            _server.Log.Debug($"window/workDoneProgress/cancel for unknown token {token}");
        }
        return Task.FromResult<object?>(null);
    }
}
