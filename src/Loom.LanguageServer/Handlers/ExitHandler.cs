using System.Text.Json;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Handlers;

/// <summary><c>exit</c>: ends the process, 0 after <c>shutdown</c>, 1 without.</summary>
public sealed class ExitHandler : LspHandler
{
    private readonly ServerContext _server;

    public ExitHandler(ServerContext server) => _server = server;

    public override string Method => Methods.Exit;

    public override bool IsNotification => true;

    public override bool AllowedBeforeInitialize => true;

    public override Task<object?> HandleAsync(JsonElement parameters, CancellationToken cancellationToken)
    {
        _server.Lifecycle.Exit();
        return Task.FromResult<object?>(null);
    }
}
