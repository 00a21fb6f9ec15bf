using Loom.Core.Generation;
using Loom.Core.Session;
using Loom.LanguageServer.Documents;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Sessions;

/// <summary>
/// One running generation of a document: turns the session's events into <c>loom/generation</c>
/// notifications (tokens batched by <see cref="TokenBatcher"/>) and <c>$/progress</c>, and guarantees
/// that exactly one of complete / error / cancelled is sent.
/// </summary>
public sealed class GenerationRun : IDisposable
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(100);

    private readonly ServerContext _server;
    private readonly LoomDocument _doc;
    private readonly LoomSession _session;
    private readonly GenerationHandle _handle;
    private readonly IAsyncEnumerator<GenerationEvent> _events;
    private readonly ValueTask<bool> _first;
    private readonly long _totalTokens;
    private readonly object? _clientToken;
    private readonly OrderedNotifier _notifier;

    public GenerationRun(ServerContext server, LoomDocument doc, LoomSession session, GenerationHandle handle,
        IAsyncEnumerator<GenerationEvent> events, ValueTask<bool> first, long totalTokens, object? clientToken)
    {
        _server = server;
        _doc = doc;
        _session = session;
        _handle = handle;
        _events = events;
        _first = first;
        _totalTokens = totalTokens;
        _clientToken = clientToken;
        _notifier = new OrderedNotifier(server.Client);
    }

    public async Task PumpAsync()
    {
        var progress = await BeginProgressAsync().ConfigureAwait(false);
        string generationId = "";
        TokenBatcher? batcher = null;
        var ended = false;
        var lastProgress = DateTime.UtcNow;
        try
        {
            var hasNext = await _first.ConfigureAwait(false);
            while (hasNext)
            {
                var e = _events.Current;
                generationId = e.GenerationId;
                batcher ??= new TokenBatcher(_doc.Uri, generationId, _notifier);
                switch (e)
                {
                    case TokenReceived t:
                        batcher.Add(t.BranchIdx, t.Token, t.Model);
                        if (progress is not null && DateTime.UtcNow - lastProgress >= ProgressInterval)
                        {
                            lastProgress = DateTime.UtcNow;
                            _ = ReportProgress(progress, batcher.TokenCount);
                        }
                        break;
                    default:
                        batcher.FlushAll();
                        await _notifier.Send(Methods.LoomGeneration, Terminal(e)).ConfigureAwait(false);
                        ended = true;
                        break;
                }
                hasNext = await _events.MoveNextAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            if (!ended)
            {
                batcher?.FlushAll();
                await _notifier.Send(Methods.LoomGeneration, new LoomGenerationEvent(_doc.Uri, generationId, "cancelled", KeptNodeIds: [])).ConfigureAwait(false);
                ended = true;
            }
        }
        catch (Exception ex)
        {
            _server.Log.Error($"generation for {_doc.Uri} failed: {ex.Message}");
            if (!ended)
            {
                batcher?.FlushAll();
                var category = ex is GenerationException g ? g.Category : ErrorCategory.Internal;
                await _notifier.Send(Methods.LoomGeneration, new LoomGenerationEvent(_doc.Uri, generationId, "error",
                    Message: ex.Message, Category: category.ToProtocolName(), Failures: [])).ConfigureAwait(false);
                ended = true;
            }
        }
        finally
        {
            batcher?.Dispose();
            _doc.Generation = null;
            if (progress is not null)
            {
                await EndProgress(progress).ConfigureAwait(false);
            }
        }
        if (!ended)
        {
            await _notifier.Send(Methods.LoomGeneration, new LoomGenerationEvent(_doc.Uri, generationId, "error",
                Message: "the generation ended without a result", Category: "internal", Failures: [])).ConfigureAwait(false);
        }
        await _notifier.Drained.ConfigureAwait(false);
    }

    private LoomGenerationEvent Terminal(GenerationEvent e) => e switch
    {
        GenerationComplete c => new LoomGenerationEvent(_doc.Uri, c.GenerationId, "complete",
            Completions: c.Completions, NewNodeIds: c.NewNodes.Select(n => n.Id).ToList(), Failures: Failures(c.Failures)),
        GenerationError err => new LoomGenerationEvent(_doc.Uri, err.GenerationId, "error",
            Message: err.Error.Message, Category: err.Category.ToProtocolName(), Failures: Failures(err.Failures)),
        GenerationCancelled x => new LoomGenerationEvent(_doc.Uri, x.GenerationId, "cancelled",
            KeptNodeIds: x.KeptNodes.Select(n => n.Id).ToList()),
        _ => new LoomGenerationEvent(_doc.Uri, e.GenerationId, "error", Message: $"unknown event {e.GetType().Name}", Category: "internal"),
    };

    private static IReadOnlyList<LoomBranchFailure> Failures(IReadOnlyList<BranchFailure> failures) =>
        failures.Select(f => new LoomBranchFailure(f.BranchIdx, f.Model, f.Category.ToProtocolName(), f.Message, f.NodeId)).ToList();

    private async Task<object?> BeginProgressAsync()
    {
        if (!_server.Lifecycle.Client.WorkDoneProgress && _clientToken is null)
        {
            return null;
        }
        var token = _clientToken;
        if (token is null)
        {
            token = _server.Progress.NewToken();
            try
            {
                // A client that never answers must not hold the generation: wait as long as for an applyEdit.
                using var answer = new CancellationTokenSource(_server.ApplyEditTimeout);
                await _server.Client.RequestAsync<object?>(Methods.WorkDoneProgressCreate, new WorkDoneProgressCreateParams(token), answer.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _server.Log.Debug($"window/workDoneProgress/create refused: {ex.Message}");
                return null;
            }
        }
        _handle.ProgressToken = token;
        _server.Progress.Register(token, () =>
        {
            _handle.Cancellation.Cancel();
            _session.Cancel();
        });
        await _server.Client.NotifyAsync(Methods.Progress, new ProgressParams(token,
            new WorkDoneProgressBegin("Loom: generating", true, _session.GetState().Model, 0))).ConfigureAwait(false);
        return token;
    }

    private Task ReportProgress(object token, long tokens)
    {
        var percentage = (int)Math.Clamp(tokens * 100 / _totalTokens, 0, 100);
        return _server.Client.NotifyAsync(Methods.Progress, new ProgressParams(token,
            new WorkDoneProgressReport($"{tokens} tokens", percentage)));
    }

    private async Task EndProgress(object token)
    {
        _server.Progress.Unregister(token);
        await _server.Client.NotifyAsync(Methods.Progress, new ProgressParams(token, new WorkDoneProgressEnd(null))).ConfigureAwait(false);
    }

    public void Dispose()
    {
        // The cancellation source is not disposed: loom.cancel may still hold it, and cancelling a finished run is harmless.
        _ = _events.DisposeAsync().AsTask();
    }
}
