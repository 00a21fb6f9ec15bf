using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Loom.Core.Generation;

namespace Loom.Core.Tests;

/// <summary>
/// A generator whose branches do exactly what a test says: stream given tokens, fail with a category
/// (before or after some tokens), return nothing, or wait on a gate the test opens.
/// </summary>
internal sealed class ScriptedGenerator : IGeneratorResolver, ITextGenerator
{
    public sealed record Script(string[] Tokens, GenerationException? FailAfter = null, bool WaitForGate = false);

    private readonly Func<GenerationRequest, Script> _scriptFor;

    public ScriptedGenerator(Func<GenerationRequest, Script> scriptFor) => _scriptFor = scriptFor;

    /// <summary>Released by the test to let waiting branches go on (one permit per read).</summary>
    public Channel<bool> Gate { get; } = Channel.CreateUnbounded<bool>();

    /// <summary>Count of branches that reached their gate.</summary>
    public int Waiting;

    public List<GenerationRequest> Requests { get; } = [];

    public ITextGenerator Resolve(string model) =>
        model.StartsWith("unknown/", StringComparison.Ordinal)
            ? throw new GenerationException(ErrorCategory.Config, $"unknown provider in '{model}'")
            : this;

    public async IAsyncEnumerable<GeneratedChunk> StreamAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        lock (Requests)
        {
            Requests.Add(request);
        }
        var script = _scriptFor(request);
        foreach (var token in script.Tokens)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new GeneratedChunk(token);
            await Task.Yield();
        }
        if (script.WaitForGate)
        {
            Interlocked.Increment(ref Waiting);
            await Gate.Reader.ReadAsync(cancellationToken);
        }
        if (script.FailAfter is not null)
        {
            throw script.FailAfter;
        }
    }
}
