using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Handlers;

/// <summary><c>initialized</c>: pulls <c>workspace/configuration</c> (section <c>loom</c>) when the client supports it.</summary>
public sealed class InitializedHandler : LspHandler
{
    private readonly ServerContext _server;

    public InitializedHandler(ServerContext server) => _server = server;

    public override string Method => Methods.Initialized;

    public override bool IsNotification => true;

    public override Task<object?> HandleAsync(JsonElement parameters, CancellationToken cancellationToken)
    {
        _ = PullConfigurationThenAnnounceAsync();
        return Task.FromResult<object?>(null);
    }

    private async Task PullConfigurationThenAnnounceAsync()
    {
        await ConfigurationPuller.PullAsync(_server).ConfigureAwait(false);
        var settings = _server.Settings.Current;
        if (settings.Model is not null)
        {
            return;
        }
        var model = _server.Generators.DefaultModel(settings);
        _server.Log.Info(model.StartsWith("offline/", StringComparison.Ordinal)
            ? $"no model set: new trees use '{model}'. " +
              "Choose a real model with the 'loom.model' setting (e.g. \"openrouter/meta-llama/llama-3.1-405b\") " +
              "or the loom.setModel command, and give its key in the provider's environment variable or with loom.setApiKey."
            : $"no model set: new trees use '{model}' (its provider's key is available). Choose another with the 'loom.model' setting.");
    }
}

/// <summary>Requests the <c>loom</c> section from a client that supports <c>workspace/configuration</c>.</summary>
public static class ConfigurationPuller
{
    public static async Task PullAsync(ServerContext server)
    {
        if (!server.Lifecycle.Client.Configuration)
        {
            return;
        }
        try
        {
            using var answer = new CancellationTokenSource(server.ApplyEditTimeout);
            var result = await server.Client.RequestAsync<JsonElement>(Methods.Configuration,
                new ConfigurationParams([new ConfigurationItem("loom")]), answer.Token).ConfigureAwait(false);
            if (result.ValueKind == JsonValueKind.Array && result.GetArrayLength() > 0 &&
                result[0].ValueKind == JsonValueKind.Object)
            {
                server.MergeSettings(JsonNode.Parse(result[0].GetRawText()), "workspace/configuration");
            }
        }
        catch (Exception ex)
        {
            server.Log.Warning($"workspace/configuration failed: {ex.Message}");
        }
    }
}
