using System.Text.Json;
using Loom.LanguageServer.Commands;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Handlers;

/// <summary>
/// <c>workspace/executeCommand</c>: finds the command, parses its one argument object, and runs it
/// on its document's queue as the command declares (mutation, read, immediate or global).
/// </summary>
public sealed class ExecuteCommandHandler : LspHandler
{
    private readonly ServerContext _server;
    private readonly CommandRegistry _commands;

    public ExecuteCommandHandler(ServerContext server, CommandRegistry commands)
    {
        _server = server;
        _commands = commands;
    }

    public override string Method => Methods.ExecuteCommand;

    public override Task<object?> HandleAsync(JsonElement parameters, CancellationToken cancellationToken)
    {
        var p = ParamReader.Root(parameters);
        var name = p.NonEmptyString("command");
        var command = _commands.Find(name) ?? throw new InvalidParamsException("command", $"names no loom command ('{name}')");
        var argument = ReadArgument(p);
        var args = command.Parse(argument);
        var workDoneToken = p.OptionalToken("workDoneToken");
        Documents.LoomDocument? doc = null;
        if (command.Scope != CommandScope.Global)
        {
            var uri = argument.NonEmptyString("uri");
            doc = _server.Workspace.Get(uri, argument.FieldPath("uri"));
        }
        return command.DispatchAsync(new CommandContext(_server, doc, workDoneToken), args, cancellationToken);
    }

    private static ParamReader ReadArgument(ParamReader p)
    {
        var arguments = p.OptionalArray("arguments");
        if (arguments is null || arguments.Count == 0)
        {
            using var empty = JsonDocument.Parse("{}");
            return new ParamReader(empty.RootElement.Clone(), "arguments[0]");
        }
        if (!arguments[0].IsObject)
        {
            throw new InvalidParamsException("arguments[0]", "must be an object");
        }
        return arguments[0];
    }
}
