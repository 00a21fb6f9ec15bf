using Loom.LanguageServer.Documents;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Tests;

public sealed class DocumentQueueTests
{
    [Fact]
    public async Task Mutations_run_in_order_and_alone_reads_run_together()
    {
        var queue = new DocumentQueue();
        var log = new List<string>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var readsRunning = 0;
        var maxReads = 0;
        var m1 = queue.EnqueueMutation(async () => { await gate.Task; lock (log) { log.Add("m1"); } return 1; }, CancellationToken.None);
        var readers = Enumerable.Range(0, 3).Select(i => queue.EnqueueRead(async () =>
        {
            var now = Interlocked.Increment(ref readsRunning);
            lock (log)
            {
                maxReads = Math.Max(maxReads, now);
                log.Add("r");
            }
            await Task.Delay(20);
            Interlocked.Decrement(ref readsRunning);
            return 0;
        }, CancellationToken.None)).ToList();
        var m2 = queue.EnqueueMutation(() => { lock (log) { log.Add("m2"); } return Task.FromResult(2); }, CancellationToken.None);
        Assert.Empty(log);
        gate.SetResult();
        await Task.WhenAll(readers.Cast<Task>().Append(m1).Append(m2));
        Assert.Equal(new[] { "m1", "r", "r", "r", "m2" }, log);
        Assert.True(maxReads > 1);
    }

    [Fact]
    public async Task A_failed_mutation_does_not_stop_the_queue()
    {
        var queue = new DocumentQueue();
        var failed = queue.EnqueueMutation<int>(() => throw new InvalidOperationException("boom"), CancellationToken.None);
        var next = queue.EnqueueMutation(() => Task.FromResult(7), CancellationToken.None);
        await Assert.ThrowsAsync<InvalidOperationException>(() => failed);
        Assert.Equal(7, await next);
    }
}

public sealed class LineIndexTests
{
    [Fact]
    public void Positions_and_offsets_round_trip_in_every_encoding()
    {
        const string text = "ab\r\ncé🙂d\rlast\n";
        var lines = LineIndex.Build(text);
        Assert.Equal(4, lines.LineCount);
        foreach (var encoding in new[] { PositionEncoding.Utf16, PositionEncoding.Utf8, PositionEncoding.Utf32 })
        {
            for (var offset = 0; offset <= text.Length; offset++)
            {
                if (offset > 0 && offset < text.Length && char.IsLowSurrogate(text[offset]))
                {
                    continue;
                }
                if (offset > 0 && text[offset - 1] == '\r' && offset < text.Length && text[offset] == '\n')
                {
                    continue;
                }
                var pos = lines.GetPosition(offset, encoding);
                Assert.True(lines.TryGetOffset(pos, encoding, out var back));
                Assert.Equal(offset, back);
            }
        }
        Assert.Equal(new Position(1, 4), lines.GetPosition(text.IndexOf('d'), PositionEncoding.Utf16));
        Assert.Equal(new Position(1, 7), lines.GetPosition(text.IndexOf('d'), PositionEncoding.Utf8));
        Assert.Equal(new Position(1, 3), lines.GetPosition(text.IndexOf('d'), PositionEncoding.Utf32));
        Assert.False(lines.TryGetOffset(new Position(9, 0), PositionEncoding.Utf16, out _));
        Assert.True(lines.TryGetOffset(new Position(0, 99), PositionEncoding.Utf16, out var clamped));
        Assert.Equal(2, clamped);
    }
}

public sealed class TextDiffTests
{
    [Theory]
    [InlineData("abc", "abcdef")]
    [InlineData("abcdef", "abc")]
    [InlineData("hello world", "hello brave world")]
    [InlineData("🙂a", "🙃a")]
    [InlineData("", "x")]
    [InlineData("same", "same")]
    public void Minimal_and_tail_turn_one_text_into_the_other(string from, string to)
    {
        Assert.Equal(to, TextDiff.Apply(from, TextDiff.Minimal(from, to)));
        var tail = TextDiff.Tail(from, to);
        Assert.Equal(to, TextDiff.Apply(from, tail));
        Assert.Equal(from.Length, tail.Start + tail.RemovedLength);
    }

    [Fact]
    public void Surrogate_pairs_are_never_split()
    {
        var r = TextDiff.Minimal("x🙂y", "x🙃y");
        Assert.Equal(1, r.Start);
        Assert.Equal(2, r.RemovedLength);
        Assert.Equal("🙃", r.Inserted);
    }
}

public sealed class ServerOptionsTests
{
    [Fact]
    public void Arguments_environment_and_defaults()
    {
        var env = new Dictionary<string, string?> { ["HOME"] = "/home/u", ["LOOM_DB"] = null };
        var o = ServerOptions.Parse(["--stdio"], k => env.GetValueOrDefault(k), out _)!;
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal("/home/u/.local/share/loom/trees.sqlite", o.DatabasePath);
            env["XDG_DATA_HOME"] = "/data";
            Assert.Equal("/data/loom/trees.sqlite", ServerOptions.Parse([], k => env.GetValueOrDefault(k), out _)!.DatabasePath);
        }
        env["LOOM_DB"] = "/env.sqlite";
        Assert.Equal("/env.sqlite", ServerOptions.Parse([], k => env.GetValueOrDefault(k), out _)!.DatabasePath);
        var cli = ServerOptions.Parse(["--stdio", "--db", "/cli.sqlite", "--log-level", "debug"], k => env.GetValueOrDefault(k), out _)!;
        Assert.Equal("/cli.sqlite", cli.DatabasePath);
        Assert.Equal(LogLevel.Debug, cli.LogLevel);
        Assert.True(ServerOptions.Parse(["--version"], k => env.GetValueOrDefault(k), out _)!.ShowVersion);
        Assert.Null(ServerOptions.Parse(["--bogus"], k => env.GetValueOrDefault(k), out var error));
        Assert.Contains("--bogus", error);
        Assert.Null(ServerOptions.Parse(["--log-level", "loud"], k => env.GetValueOrDefault(k), out error));
    }
}
