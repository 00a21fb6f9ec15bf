using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Handlers;

/// <summary>
/// <c>workspace/didChangeConfiguration</c>: <c>settings.loom</c> is merged when present; otherwise
/// (the pull model) the server asks for the section again.
/// </summary>
public sealed class DidChangeConfigurationHandler : LspHandler
{
    private readonly ServerContext _server;

    public DidChangeConfigurationHandler(ServerContext server) => _server = server;

    public override string Method => Methods.DidChangeConfiguration;

    public override bool IsNotification => true;

    public override Task<object?> HandleAsync(JsonElement parameters, CancellationToken cancellationToken)
    {
        var p = ParamReader.Root(parameters);
        if (p.Raw("settings") is { ValueKind: JsonValueKind.Object } settings &&
            settings.TryGetProperty("loom", out var loom) && loom.ValueKind == JsonValueKind.Object)
        {
            _server.MergeSettings(JsonNode.Parse(loom.GetRawText()), "workspace/didChangeConfiguration");
            return Task.FromResult<object?>(null);
        }
        _ = ConfigurationPuller.PullAsync(_server);
        return Task.FromResult<object?>(null);
    }
}
