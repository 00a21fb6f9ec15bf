using System.Runtime.CompilerServices;
using Loom.Core.Generation;
using Loom.Core.Generation.Offline;
using Loom.LanguageServer.Sessions;

namespace Loom.LanguageServer.Tests.Harness;

/// <summary>
/// Generators for tests: <c>test/scripted</c> streams fixed tokens with logprobs and alternatives;
/// <c>test/gated</c> streams one token and then waits until <see cref="Release"/> (or cancellation);
/// anything else goes to the offline models.
/// </summary>
public sealed class TestGenerators : IGeneratorResolver
{
    public const string Scripted = "test/scripted";
    public const string Gated = "test/gated";

    private readonly OfflineGeneratorResolver _offline = new();
    private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static readonly string[] ScriptedTokens = [" Hello", " wide", " world", "."];

    public TaskCompletionSource FirstTokenSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _gate.TrySetResult();

    public GeneratorHost.Factory Factory => (_, _, _) => this;

    public ITextGenerator Resolve(string model) => model switch
    {
        Scripted => new ScriptedGenerator(),
        Gated => new GatedGenerator(this),
        _ => _offline.Resolve(model),
    };

    private sealed class ScriptedGenerator : ITextGenerator
    {
        public async IAsyncEnumerable<GeneratedChunk> StreamAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var token in ScriptedTokens)
            {
                await Task.Yield();
                cancellationToken.ThrowIfCancellationRequested();
                yield return new GeneratedChunk(token, new TokenLogprob(token, -0.25,
                    [new TokenAlternative(token, -0.25), new TokenAlternative(" Goodbye", -1.5), new TokenAlternative(" Hi", -2.0)]));
            }
            yield return GeneratedChunk.FromUsage(new UsageReport(10, ScriptedTokens.Length, CostUsd: 0.0001));
        }
    }

    private sealed class GatedGenerator(TestGenerators owner) : ITextGenerator
    {
        public async IAsyncEnumerable<GeneratedChunk> StreamAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            yield return new GeneratedChunk(" first");
            owner.FirstTokenSent.TrySetResult();
            await owner._gate.Task.WaitAsync(cancellationToken);
            yield return new GeneratedChunk(" last");
        }
    }
}
