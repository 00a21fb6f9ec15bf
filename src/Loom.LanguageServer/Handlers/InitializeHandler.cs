using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.LanguageServer.Commands;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Handlers;

/// <summary><c>initialize</c>: reads the client's capabilities and <c>initializationOptions</c> (the <c>loom</c> settings).</summary>
public sealed class InitializeHandler : LspHandler
{
    public static readonly IReadOnlyList<string> SemanticTokenTypes = ["human", "model", "edited"];

    private readonly ServerContext _server;
    private readonly CommandRegistry _commands;

    public InitializeHandler(ServerContext server, CommandRegistry commands)
    {
        _server = server;
        _commands = commands;
    }

    public override string Method => Methods.Initialize;

    public override bool AllowedBeforeInitialize => true;

    public static string Version =>
        typeof(InitializeHandler).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public override Task<object?> HandleAsync(JsonElement parameters, CancellationToken cancellationToken)
    {
        var p = ParamReader.Root(parameters);
        var capabilities = p.Raw("capabilities") ?? default;
        var client = ClientCapabilitiesInfo.Read(capabilities);
        if (p.Raw("initializationOptions") is { ValueKind: JsonValueKind.Object } options)
        {
            var node = JsonNode.Parse(options.GetRawText());
            var section = node is JsonObject o && o["loom"] is JsonObject nested ? nested : node;
            _server.MergeSettings(section, "initializationOptions");
        }
        _server.Lifecycle.Initialized(client);
        var result = new InitializeResult(
            new ServerCapabilities(
                ClientCapabilitiesInfo.EncodingName(client.PositionEncoding),
                new TextDocumentSyncOptions(true, TextDocumentSyncKind.Incremental, new SaveOptions(false)),
                new CompletionOptions(null, false),
                true,
                new CodeActionOptions(["source"]),
                true,
                new WorkspaceSymbolOptions(true),
                new InlayHintOptions(false),
                new SemanticTokensOptions(new SemanticTokensLegend(SemanticTokenTypes, []), true, false),
                new ExecuteCommandOptions(_commands.Names),
                new ServerWorkspaceCapabilities(new WorkspaceFoldersServerCapabilities(false))),
            new ServerInfo("loom-language-server", Version));
        return Task.FromResult<object?>(result);
    }
}
