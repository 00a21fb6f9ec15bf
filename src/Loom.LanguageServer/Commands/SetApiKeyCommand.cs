using Loom.LanguageServer.Rpc;

namespace Loom.LanguageServer.Commands;

/// <summary><c>loom.setApiKey</c> <c>{provider, key}</c>: a key for this process only; never stored or logged.</summary>
public sealed class SetApiKeyCommand : LoomCommand<(string Provider, string Key)>
{
    public override string Name => "loom.setApiKey";

    public override CommandScope Scope => CommandScope.Global;

    protected override (string Provider, string Key) ParseArgs(ParamReader args) =>
        (args.NonEmptyString("provider"), args.NonEmptyString("key"));

    protected override Task<object?> ExecuteAsync(CommandContext context, (string Provider, string Key) args, CancellationToken cancellationToken)
    {
        context.Server.Generators.SetKey(args.Provider, args.Key);
        context.Server.Log.Info($"a key for provider '{args.Provider}' is set for this server process");
        return Task.FromResult<object?>(new Dictionary<string, object>());
    }
}
