using Loom.Core.Generation;
using Loom.Core.Session;
using Loom.Core.Tree;
using Loom.LanguageServer.Documents;
using Loom.LanguageServer.Sessions;
using Loom.LanguageServer.Rpc;

namespace Loom.LanguageServer.Commands;

/// <summary>
/// <c>loom.generate</c> <c>{model?, maxTokens?, branches?, temperature?}</c>: starts the generation in
/// the document's mutation slot (so it starts from the node current at that point in the order),
/// then leaves the queue: navigation and edits go on while it streams, and other documents never
/// wait. Returns the <c>LoomState</c> when the generation has ended.
/// </summary>
public sealed class GenerateCommand : LoomCommand<GenerationOverrides>
{
    public override string Name => "loom.generate";

    public override CommandScope Scope => CommandScope.Mutation;

    protected override GenerationOverrides ParseArgs(ParamReader args)
    {
        var model = args.OptionalString("model");
        if (model is not null && string.IsNullOrWhiteSpace(model))
        {
            throw new InvalidParamsException(args.FieldPath("model"), "must not be blank");
        }
        var maxTokens = args.OptionalIntInRange("maxTokens", ModelPlanEntry.MinMaxTokens, ModelPlanEntry.MaxMaxTokens);
        var branches = args.OptionalIntInRange("branches", ModelPlanEntry.MinBranches, ModelPlanEntry.MaxBranches);
        var temperature = args.OptionalDoubleInRange("temperature", ModelPlanEntry.MinTemperature, ModelPlanEntry.MaxTemperature);
        return new GenerationOverrides(model, maxTokens, branches, temperature);
    }

    public override async Task<object?> DispatchAsync(CommandContext context, object? args, CancellationToken cancellationToken)
    {
        var doc = context.Doc;
        var run = await doc.Queue.EnqueueMutation(
            () => Task.FromResult(Start(context, (GenerationOverrides)args!, cancellationToken)), cancellationToken).ConfigureAwait(false);
        try
        {
            await run.PumpAsync().ConfigureAwait(false);
        }
        finally
        {
            run.Dispose();
        }
        // The generation added children (ghost text, counts); show the final state in order with other work.
        var state = await doc.Queue.EnqueueMutation(() =>
        {
            var s = doc.Session is { } session ? session.GetState() : doc.State!;
            doc.State = s;
            context.Server.Notifier.Notify(doc, s);
            context.Server.Notifier.RefreshDecorations();
            context.Server.Notifier.NotifyPeers(doc);
            return Task.FromResult(s);
        }, CancellationToken.None).ConfigureAwait(false);
        return StateMapper.ToProtocol(doc.Uri, state);
    }

    protected override Task<object?> ExecuteAsync(CommandContext context, GenerationOverrides args, CancellationToken cancellationToken) =>
        throw new NotSupportedException("loom.generate is dispatched by DispatchAsync");

    private static GenerationRun Start(CommandContext context, GenerationOverrides overrides, CancellationToken requestCancellation)
    {
        var doc = context.Doc;
        if (doc.IsClosed)
        {
            throw new InvalidParamsException("arguments[0].uri", $"names a document that was closed ('{doc.Uri}')");
        }
        var session = doc.RequireSession();
        if (doc.Generation is not null)
        {
            throw new RequestFailedException($"a generation is already running for '{doc.Uri}'; cancel it first (loom.cancel)");
        }
        var state = session.GetState();
        var totalTokens = overrides.Model is not null || overrides.Branches is not null || overrides.MaxTokens is not null
            ? (long)(overrides.Branches ?? state.NBranches) * (overrides.MaxTokens ?? state.MaxTokens)
            : Math.Max(1, state.ModelPlan.Where(e => e.Enabled).Sum(e => (long)e.NBranches * e.MaxTokens));
        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(requestCancellation);
        var handle = new GenerationHandle(cancellation, null);
        doc.Generation = handle;
        var events = session.GenerateAsync(overrides, cancellation.Token).GetAsyncEnumerator(cancellation.Token);
        // Starting the enumerator runs the session's synchronous start: the generation's parent node is fixed now.
        var first = events.MoveNextAsync();
        return new GenerationRun(context.Server, doc, session, handle, events, first, Math.Max(1, totalTokens), context.WorkDoneToken);
    }
}
