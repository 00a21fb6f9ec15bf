using Loom.LanguageServer.Rpc;

namespace Loom.LanguageServer.Commands;

/// <summary><c>loom.import</c> <c>{path, format?}</c>: waits for Loom.Core's formats (another issue); answers -32803 until then.</summary>
public sealed class ImportCommand : LoomCommand<(string Path, string? Format)>
{
    public override string Name => "loom.import";

    public override CommandScope Scope => CommandScope.Global;

    protected override (string Path, string? Format) ParseArgs(ParamReader args) =>
        (args.NonEmptyString("path"), args.OptionalString("format"));

    protected override Task<object?> ExecuteAsync(CommandContext context, (string Path, string? Format) args, CancellationToken cancellationToken) =>
        throw new RequestFailedException("loom.import is not available in this build yet (the formats library has not landed)");
}

/// <summary><c>loom.export</c> <c>{uri, format, path}</c>: waits for Loom.Core's formats; answers -32803 until then.</summary>
public sealed class ExportCommand : LoomCommand<(string Format, string Path)>
{
    public override string Name => "loom.export";

    public override CommandScope Scope => CommandScope.Read;

    protected override (string Format, string Path) ParseArgs(ParamReader args) =>
        (args.NonEmptyString("format"), args.NonEmptyString("path"));

    protected override Task<object?> ExecuteAsync(CommandContext context, (string Format, string Path) args, CancellationToken cancellationToken) =>
        throw new RequestFailedException("loom.export is not available in this build yet (the formats library has not landed)");
}
