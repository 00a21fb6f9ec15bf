using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Loom.Core.Generation;
using Loom.Core.Store;
using Loom.Core.Tree;

namespace Loom.Core.Session;

public sealed partial class LoomSession
{
    private CancellationTokenSource? _generationCts;

    public bool IsGenerating => Volatile.Read(ref _generationCts) is not null;

    /// <summary>Stops a running generation: every branch stops, partial text is kept as nodes marked <c>cancelled</c>.</summary>
    public void Cancel()
    {
        try
        {
            Volatile.Read(ref _generationCts)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The generation finished between the read and the cancel.
        }
    }

    /// <summary>
    /// Streams every enabled entry of the model plan (or the overrides) concurrently, one request per branch.
    /// Each finished branch is saved as a child of the node the generation started from as soon as it
    /// finishes. Ends with exactly one of <see cref="GenerationComplete"/>, <see cref="GenerationError"/>,
    /// <see cref="GenerationCancelled"/>. Only one generation runs per session at a time.
    /// </summary>
    public async IAsyncEnumerable<GenerationEvent> GenerateAsync(
        GenerationOverrides? overrides = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var run = StartGeneration(overrides, cancellationToken);
        var reader = run.Events.Reader;
        try
        {
            while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                while (reader.TryRead(out var e))
                {
                    // A branch signals when its buffer goes from empty to not empty; everything streamed since comes out as one event.
                    if (e is TokensPending pending)
                    {
                        if (run.Buffers[pending.BranchIdx].Take() is { Length: > 0 } text)
                        {
                            yield return new TokenReceived(e.GenerationId, pending.BranchIdx, text, pending.Model);
                        }
                        continue;
                    }
                    yield return e;
                }
            }
        }
        finally
        {
            // A consumer that stops listening early cancels the run; the run still saves what it has.
            if (!run.Completion.IsCompleted)
            {
                run.Cts.Cancel();
            }
            await run.Completion.ConfigureAwait(false);
            run.Cts.Dispose();
        }
    }

    private sealed record GenerationRun(Channel<GenerationEvent> Events, CancellationTokenSource Cts, Task Completion, BranchBuffer[] Buffers);

    /// <summary>Internal signal: branch <paramref name="BranchIdx"/> has streamed text waiting in its buffer.</summary>
    private sealed record TokensPending(string GenerationId, int BranchIdx, string Model) : GenerationEvent(GenerationId);

    /// <summary>
    /// Text a branch streamed that the consumer has not taken yet. Tokens arrive far faster than anyone reads
    /// them one by one, so they collect here and leave as one event per branch per read (the protocol batches too).
    /// </summary>
    private sealed class BranchBuffer
    {
        private readonly System.Text.StringBuilder _text = new();

        /// <summary>Appends; true when the buffer was empty (the caller then signals the reader).</summary>
        public bool Append(string token)
        {
            lock (_text)
            {
                var wasEmpty = _text.Length == 0;
                _text.Append(token);
                return wasEmpty;
            }
        }

        public string Take()
        {
            lock (_text)
            {
                var text = _text.ToString();
                _text.Clear();
                return text;
            }
        }
    }

    private sealed record BranchPlan(int BranchIdx, ModelPlanEntry Entry, int ModelIdx, int ModelBranchIdx);

    private GenerationRun StartGeneration(GenerationOverrides? overrides, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_generationCts is not null)
            {
                throw new InvalidOperationException("a generation is already running for this tree; cancel it first");
            }
            var s = _state;
            var plan = PlanFor(s, overrides);
            // Drafts on the path become the prompt of generated text: from now on they fork instead of changing in place.
            var drafts = s.Lineage.Where(n => n.IsDraft).ToList();
            var lineage = s.Lineage;
            if (drafts.Count > 0)
            {
                Persist(w =>
                {
                    foreach (var d in drafts)
                    {
                        w.UpdateNodeMetadata(d.Id, d.Metadata.Without(NodeMetadata.Draft));
                    }
                    return 0;
                });
                foreach (var d in drafts)
                {
                    lineage = ReplaceInLineage(lineage, d.Id, n => n with { Metadata = n.Metadata.Without(NodeMetadata.Draft) });
                }
            }
            var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _generationCts = cts;
            Volatile.Write(ref _state, s with { Lineage = lineage, CurrentNode = lineage[^1], Generating = true });
            var channel = Channel.CreateUnbounded<GenerationEvent>(new UnboundedChannelOptions { SingleReader = true });
            var generationId = Ids.NewId();
            var corpus = plan.Any(b => b.Entry.Model.StartsWith("offline/", StringComparison.Ordinal))
                ? Store.SampleText(s.TreeId, _options.OfflineCorpusChars)
                : null;
            var buffers = plan.Select(_ => new BranchBuffer()).ToArray();
            var completion = Task.Run(() => RunGenerationAsync(generationId, s.CurrentNode, s.FullText, s.Context, plan, corpus, channel.Writer, buffers, cts));
            return new GenerationRun(channel, cts, completion, buffers);
        }
    }

    private static List<BranchPlan> PlanFor(SessionState s, GenerationOverrides? o)
    {
        IEnumerable<ModelPlanEntry> entries = s.ModelPlan.Where(e => e.Enabled);
        if (o?.Model is { } model)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(model, "model");
            entries = [s.ModelPlan[0] with { Model = model.Trim(), Enabled = true }];
        }
        var list = entries.Select(e => (e with
        {
            MaxTokens = o?.MaxTokens ?? e.MaxTokens,
            NBranches = o?.Branches ?? e.NBranches,
            Temperature = o?.Temperature ?? e.Temperature,
        }).Validated()).ToList();
        if (list.Count == 0)
        {
            throw new InvalidOperationException("every entry of the model plan is disabled; enable one to generate");
        }
        var branches = new List<BranchPlan>();
        for (var m = 0; m < list.Count; m++)
        {
            for (var b = 0; b < list[m].NBranches; b++)
            {
                branches.Add(new BranchPlan(branches.Count, list[m], m, b));
            }
        }
        return branches;
    }

    private sealed record BranchResult(BranchPlan Plan, string Text, Node? Node, BranchFailure? Failure, bool Cancelled);

    private async Task RunGenerationAsync(
        string generationId, Node parent, string prompt, string context, List<BranchPlan> plan, string? corpus,
        ChannelWriter<GenerationEvent> events, BranchBuffer[] buffers, CancellationTokenSource cts)
    {
        try
        {
            var results = await Task.WhenAll(plan.Select(b =>
                Task.Run(() => RunBranchAsync(generationId, parent, prompt, context, b, corpus, events, buffers[b.BranchIdx], cts.Token)))).ConfigureAwait(false);
            var saved = results.Where(r => r.Node is not null).Select(r => r.Node!).ToList();
            var failures = results.Where(r => r.Failure is not null).Select(r => r.Failure!).ToList();
            var selected = saved.Count > 0 && TrySelectFirstNew(parent, saved[0]) ? saved[0].Id : null;
            GenerationEvent final;
            if (cts.IsCancellationRequested)
            {
                final = new GenerationCancelled(generationId, saved);
            }
            else if (saved.Count > 0)
            {
                var complete = results.Where(r => r.Node is not null && r.Failure is null).ToList();
                final = new GenerationComplete(generationId, complete.Select(r => r.Text).ToList(), saved, failures);
            }
            else
            {
                var first = failures.FirstOrDefault();
                var error = first is null
                    ? new GenerationException(ErrorCategory.Internal, "no branch produced text")
                    : new GenerationException(first.Category, failures.Count == 1 ? first.Message : $"{first.Message} (and {failures.Count - 1} more failed branches)");
                final = new GenerationError(generationId, error, failures);
            }
            EndGeneration(cts, parent.Id, selected);
            events.TryWrite(final);
        }
        catch (Exception e)
        {
            EndGeneration(cts, parent.Id, null);
            events.TryWrite(new GenerationError(generationId, new GenerationException(ErrorCategory.Internal, "generation failed: " + e.Message, e), []));
        }
        finally
        {
            events.TryComplete();
        }
    }

    /// <summary>Children stay in the store's order (created_at, id) although branches finish in any order.</summary>
    private static ImmutableArray<Node> InsertInChildOrder(ImmutableArray<Node> children, Node node)
    {
        var i = children.Length;
        while (i > 0 && (string.CompareOrdinal(children[i - 1].CreatedAt, node.CreatedAt) > 0 ||
                         (children[i - 1].CreatedAt == node.CreatedAt && string.CompareOrdinal(children[i - 1].Id, node.Id) > 0)))
        {
            i--;
        }
        return children.Insert(i, node);
    }

    /// <summary>Marks the generation finished and shows the first new child as selected (in memory; the store has it).</summary>
    private void EndGeneration(CancellationTokenSource cts, string parentId, string? selectedId) => Publish(s =>
    {
        if (ReferenceEquals(_generationCts, cts))
        {
            _generationCts = null;
        }
        return s.CurrentNodeId == parentId && selectedId is not null ? WithSelectedChild(s, selectedId) with { Generating = IsGenerating } : s with { Generating = IsGenerating };
    });

    /// <summary>The state with <paramref name="childId"/> as the checked-out (selected) child, without reading the store.</summary>
    private static SessionState WithSelectedChild(SessionState s, string childId)
    {
        var idx = -1;
        var children = s.Children.Select((c, i) =>
        {
            if (c.Id == childId)
            {
                idx = i;
            }
            return c.CheckedOut == (c.Id == childId) ? c : c with { CheckedOut = c.Id == childId };
        }).ToImmutableArray();
        return idx < 0 ? s : s with { Children = children, SelectedChildIdx = idx, ContinuationText = children[idx].Text };
    }

    private bool TrySelectFirstNew(Node parent, Node first)
    {
        try
        {
            Persist(w =>
            {
                w.SetCheckedOutChild(parent.Id, first.Id);
                return 0;
            });
            return true;
        }
        catch (LoomStoreException)
        {
            // The parent may have been deleted meanwhile; the nodes were saved (or went with it).
            return false;
        }
    }

    private async Task<BranchResult> RunBranchAsync(
        string generationId, Node parent, string prompt, string context, BranchPlan branch, string? corpus,
        ChannelWriter<GenerationEvent> events, BranchBuffer buffer, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var logprobs = new JsonArray();
        UsageReport? usage = null;
        var chunks = 0;
        var model = branch.Entry.Model;
        try
        {
            var generator = _generators.Resolve(model);
            var request = new GenerationRequest(
                model, prompt, context.Length > 0 ? context : null, branch.Entry.MaxTokens, branch.Entry.Temperature,
                branch.BranchIdx, Seed: HashCode.Combine(generationId, branch.BranchIdx), CorpusText: corpus, TopLogprobs: 5);
            await foreach (var chunk in generator.StreamAsync(request, cancellationToken).ConfigureAwait(false))
            {
                if (chunk.Text.Length > 0)
                {
                    text.Append(chunk.Text);
                    chunks++;
                    if (buffer.Append(chunk.Text))
                    {
                        events.TryWrite(new TokensPending(generationId, branch.BranchIdx, model));
                    }
                }
                if (chunk.Logprob is { } lp)
                {
                    logprobs.Add(LogprobJson(lp));
                }
                if (chunk.Usage is not null)
                {
                    usage = chunk.Usage;
                }
            }
            cancellationToken.ThrowIfCancellationRequested();
            if (text.Length == 0)
            {
                return new BranchResult(branch, string.Empty, null,
                    new BranchFailure(branch.BranchIdx, model, ErrorCategory.BadResponse, "the model returned no text"), false);
            }
            var node = SaveBranch(generationId, parent, branch, text.ToString(), usage ?? Estimate(prompt, chunks), logprobs, null);
            return new BranchResult(branch, text.ToString(), node, null, false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            var node = text.Length > 0
                ? SaveBranch(generationId, parent, branch, text.ToString(), usage ?? Estimate(prompt, chunks), logprobs, NodeMetadata.Cancelled)
                : null;
            return new BranchResult(branch, text.ToString(), node, null, true);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var category = e is GenerationException g ? g.Category : ErrorCategory.Internal;
            var message = e is GenerationException ? e.Message : "internal error: " + e.Message;
            Node? node = null;
            if (text.Length > 0)
            {
                node = SaveBranch(generationId, parent, branch, text.ToString(), usage ?? Estimate(prompt, chunks), logprobs, NodeMetadata.Incomplete);
            }
            return new BranchResult(branch, text.ToString(), node, new BranchFailure(branch.BranchIdx, model, category, message, node?.Id), false);
        }
    }

    private static UsageReport Estimate(string prompt, int completionChunks) =>
        new(Math.Max(1, prompt.Length / 4), completionChunks, Estimated: true);

    private static JsonObject LogprobJson(TokenLogprob lp)
    {
        var top = new JsonArray();
        foreach (var alt in lp.TopAlternatives)
        {
            top.Add(new JsonObject { ["token"] = alt.Token, ["logprob"] = alt.Logprob });
        }
        return new JsonObject { ["token"] = lp.Token, ["logprob"] = lp.Logprob, ["top"] = top };
    }

    private static JsonObject UsageJson(UsageReport usage)
    {
        var obj = new JsonObject
        {
            ["prompt_tokens"] = usage.PromptTokens,
            ["completion_tokens"] = usage.CompletionTokens,
            ["estimated"] = usage.Estimated,
        };
        if (usage.CostUsd is { } cost)
        {
            obj["cost_usd"] = cost;
        }
        return obj;
    }

    /// <summary>Saves one branch at once (its own transaction) and shows it if the session is still at its parent.</summary>
    private Node? SaveBranch(string generationId, Node parent, BranchPlan branch, string text, UsageReport usage, JsonArray logprobs, string? flag)
    {
        var metadata = NodeMetadata.Empty
            .With(NodeMetadata.Source, "model")
            .With(NodeMetadata.Usage, UsageJson(usage))
            .With(NodeMetadata.ModelIdx, JsonValue.Create(branch.ModelIdx))
            .With(NodeMetadata.ModelBranchIndex, JsonValue.Create(branch.ModelBranchIdx))
            .With(NodeMetadata.GenerationId, generationId);
        if (logprobs.Count > 0)
        {
            metadata = metadata.With(NodeMetadata.Logprobs, logprobs);
        }
        if (flag is not null)
        {
            metadata = metadata.With(flag, true);
        }
        var node = new Node(Ids.NewId(), parent.TreeId, parent.Id, NodeKind.Text, text, null, branch.Entry.Model, "completion",
            branch.Entry.MaxTokens, branch.Entry.Temperature, false, _clock.Next(), metadata);
        try
        {
            Persist(w =>
            {
                w.InsertNode(node);
                return 0;
            });
        }
        catch (LoomStoreException)
        {
            // The parent was deleted while the branch streamed (or the store refuses writes): nothing to attach to.
            return null;
        }
        // Shown at once if the session is still at the parent; appended in memory (the store has it, with no descendants).
        Publish(s =>
        {
            if (s.CurrentNodeId != parent.Id || s.Children.Any(c => c.Id == node.Id))
            {
                return s;
            }
            var children = InsertInChildOrder(s.Children, node);
            var selected = Math.Max(0, children.IndexOf(children.FirstOrDefault(c => c.CheckedOut) ?? children[0]));
            return s with
            {
                Children = children,
                SelectedChildIdx = selected,
                DescendantCounts = s.DescendantCounts.SetItem(node.Id, 0),
                ContinuationText = ReferenceEquals(children[selected], s.SelectedChild) ? s.ContinuationText : children[selected].Text,
            };
        });
        return node;
    }
}
