using System.Text.Json;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;

namespace Loom.LanguageServer.Handlers;

/// <summary><c>$/setTrace</c>: accepted and ignored (the log level is a command-line choice).</summary>
public sealed class SetTraceHandler : LspHandler
{
    public override string Method => Methods.SetTrace;

    public override bool IsNotification => true;

    public override Task<object?> HandleAsync(JsonElement parameters, CancellationToken cancellationToken) => Task.FromResult<object?>(null);
}
