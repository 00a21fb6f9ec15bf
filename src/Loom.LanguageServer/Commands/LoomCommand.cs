using Loom.LanguageServer.Documents;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Commands;

/// <summary>How a command runs with respect to its document's queue.</summary>
public enum CommandScope
{
    /// <summary>No document (<c>loom.setApiKey</c>, <c>loom.import</c>): runs at once.</summary>
    Global,
    /// <summary>Changes the document: runs alone, in arrival order.</summary>
    Mutation,
    /// <summary>Only reads the document: runs beside other reads.</summary>
    Read,
    /// <summary>Runs at once, without waiting for queued work (<c>loom.cancel</c>).</summary>
    Immediate,
}

/// <summary>One <c>workspace/executeCommand</c> command. Arguments are parsed before anything changes.</summary>
public abstract class LoomCommand
{
    public abstract string Name { get; }

    public abstract CommandScope Scope { get; }

    /// <summary>Parses the argument object (its fields are reported as <c>arguments[0].field</c>).</summary>
    public abstract object? Parse(ParamReader args);

    /// <summary>Runs the command; document commands are already inside the right queue slot.</summary>
    public abstract Task<object?> ExecuteAsync(CommandContext context, object? args, CancellationToken cancellationToken);

    /// <summary>Puts the command on its document's queue (overridden by commands that leave the queue early).</summary>
    public virtual Task<object?> DispatchAsync(CommandContext context, object? args, CancellationToken cancellationToken)
    {
        var doc = context.Document;
        return Scope switch
        {
            CommandScope.Mutation => doc!.Queue.EnqueueMutation(() => Run(context, args, cancellationToken), cancellationToken),
            CommandScope.Read => doc!.Queue.EnqueueRead(() => Run(context, args, cancellationToken), cancellationToken),
            _ => ExecuteAsync(context, args, cancellationToken),
        };
    }

    private Task<object?> Run(CommandContext context, object? args, CancellationToken cancellationToken)
    {
        if (context.Document is { IsClosed: true } doc)
        {
            throw new InvalidParamsException("arguments[0].uri", $"names a document that was closed ('{doc.Uri}')");
        }
        return ExecuteAsync(context, args, cancellationToken);
    }
}

/// <summary>A command with typed arguments.</summary>
public abstract class LoomCommand<TArgs> : LoomCommand
{
    public sealed override object? Parse(ParamReader args) => ParseArgs(args);

    protected abstract TArgs ParseArgs(ParamReader args);

    public sealed override Task<object?> ExecuteAsync(CommandContext context, object? args, CancellationToken cancellationToken) =>
        ExecuteAsync(context, (TArgs)args!, cancellationToken);

    protected abstract Task<object?> ExecuteAsync(CommandContext context, TArgs args, CancellationToken cancellationToken);
}

/// <summary>What a command runs with: the server, its document (null for global commands) and the client's progress token.</summary>
public sealed record CommandContext(ServerContext Server, LoomDocument? Document, object? WorkDoneToken)
{
    public LoomDocument Doc => Document ?? throw new InvalidOperationException("a document command without a document");
}

/// <summary>No arguments beyond <c>uri</c>.</summary>
public readonly record struct NoArgs;
