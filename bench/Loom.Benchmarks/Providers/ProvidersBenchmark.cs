using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Loom.Core.Generation;
using Loom.Core.Providers;
using Loom.Core.Session;
using Loom.Core.Store;
using Loom.Core.Tree;
using Loom.Testing.Fakes;

namespace Loom.Benchmarks.Providers;

/// <summary>
/// Issue 4's speed target: 8 branches x 2,000 tokens streamed at once from the loopback fake with no
/// delay. Three ways to read the same streams: a bare HttpClient loop (the floor), Loom's provider
/// layer (registry + completions generator), and Loom's whole generate (tokens to events to saved nodes).
/// </summary>
public sealed class ProvidersBenchmark : IBenchmarkSuite
{
    private const int Branches = 8;
    private const int TokensPerBranch = 2_000;
    private const string Model = "bench/model";
    private const string Prompt = "The benchmark prompt, exactly as the buffer shows it. ";

    public string Name => "providers";

    public string Description => "8 branches x 2,000 tokens from the loopback fake: bare HttpClient vs Loom";

    public async Task<int> RunAsync(string[] args)
    {
        int runs = args.Length > 0 && int.TryParse(args[0], out int r) ? r : 21;
        await using var server = new FakeOpenAiServer();
        server.Behavior = new FakeBehavior
        {
            Tokens = TokensPerBranch,
            TokenText = static (_, _) => " tok",
            EventsPerWrite = 16, // a socket write per 16 events: the fake costs less, so the readers' costs show
            Logprobs = false, // Loom's generate asks for logprobs; the streams stay identical for all three readers
        };
        var providers = new Dictionary<string, ProviderConfig>
        {
            ["bench"] = new("bench", "completions", server.BaseUrl, null, new Dictionary<string, string>(), null,
                new Dictionary<string, ModelPrice> { ["model"] = new(1, 2) }, null),
        };
        var registry = new ProviderRegistry(providers, new ApiKeyStore(_ => null), environment: _ => null);
        using var bare = new HttpClient(new SocketsHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan };

        var dir = Path.Combine(Path.GetTempPath(), "loom-bench-providers-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            using var store = SqliteLoomStore.Open(Path.Combine(dir, "trees.sqlite"));
            var root = Trees.Create(store, Prompt, [new ModelPlanEntry(Model, Branches, TokensPerBranch, 1.0)]);
            using var session = new LoomSession(store, root.Id, registry);

            var readers = new (string Name, Func<Task<long>> Run)[]
            {
                ("bare HttpClient loop (SSE lines + JSON)", () => BareAsync(bare, server.BaseUrl)),
                ("Loom provider layer (registry + generator)", () => GeneratorAsync(registry)),
                ("Loom generate (events + saved nodes)", () => GenerateAsync(session)),
            };

            // Warm up every path, and check each reads every token.
            foreach (var (name, run) in readers)
            {
                for (int i = 0; i < 3; i++)
                {
                    long chars = await run();
                    if (chars != (long)Branches * TokensPerBranch * 4)
                    {
                        Console.Error.WriteLine($"{name}: read {chars} characters, expected {Branches * TokensPerBranch * 4}");
                        return 1;
                    }
                }
            }

            var times = readers.Select(_ => new List<double>()).ToArray();
            var cpu = readers.Select(_ => new List<double>()).ToArray();
            using var self = Process.GetCurrentProcess();
            for (int i = 0; i < runs; i++)
            {
                // Interleaved, so drift on the machine hits every reader alike.
                for (int k = 0; k < readers.Length; k++)
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    await Task.Delay(20); // let the previous run's connections close
                    self.Refresh();
                    var cpuStart = self.TotalProcessorTime;
                    long start = Stopwatch.GetTimestamp();
                    await readers[k].Run();
                    times[k].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    self.Refresh();
                    cpu[k].Add((self.TotalProcessorTime - cpuStart).TotalMilliseconds);
                }
            }

            Console.WriteLine($"{Branches} branches x {TokensPerBranch:N0} tokens, {runs} runs each, interleaved. Wall clock per run of all branches,");
            Console.WriteLine("and CPU time of the whole process (fake server included, the same bytes for every reader).");
            double floor = Median(times[0]);
            double cpuFloor = Median(cpu[0]);
            for (int k = 0; k < readers.Length; k++)
            {
                double median = Median(times[k]);
                double tokensPerSecond = Branches * TokensPerBranch / (median / 1000);
                string overhead = k == 0 ? "baseline" : $"{(median / floor - 1) * 100:+0.0;-0.0} % vs bare";
                var sorted = times[k].Order().ToList();
                double cpuMedian = Median(cpu[k]);
                string cpuOverhead = k == 0 ? "baseline" : $"{(cpuMedian / cpuFloor - 1) * 100:+0.0;-0.0} %";
                Console.WriteLine($"{readers[k].Name,-44} wall median={median,7:F1} ms (p25 {sorted[sorted.Count / 4],6:F1}, p75 {sorted[sorted.Count * 3 / 4],6:F1}) {overhead,-18} "
                    + $"CPU median={cpuMedian,7:F1} ms {cpuOverhead,-9} {tokensPerSecond,9:N0} tokens/s");
            }

            return 0;
        }
        finally
        {
            try
            {
                Directory.Delete(dir, true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>The floor: POST, read SSE lines, parse each JSON chunk, append choices[0].text.</summary>
    private static async Task<long> BareAsync(HttpClient http, string baseUrl)
    {
        var tasks = Enumerable.Range(0, Branches).Select(async _ =>
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["model"] = "model", ["prompt"] = Prompt, ["max_tokens"] = TokensPerBranch, ["temperature"] = 1.0,
                ["stream"] = true, ["stream_options"] = new Dictionary<string, bool> { ["include_usage"] = true },
            });
            using var request = new HttpRequestMessage(HttpMethod.Post, baseUrl + "/completions")
            {
                Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
            };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            await using var stream = await response.Content.ReadAsStreamAsync();
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var text = new StringBuilder();
            while (await reader.ReadLineAsync() is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    continue;
                }

                if (line.AsSpan(6).SequenceEqual("[DONE]"))
                {
                    break;
                }

                using var doc = JsonDocument.Parse(line.AsMemory(6));
                if (doc.RootElement.TryGetProperty("choices", out var choices) && choices.GetArrayLength() > 0
                    && choices[0].TryGetProperty("text", out var t))
                {
                    text.Append(t.GetString());
                }
            }

            return (long)text.Length;
        });
        return (await Task.WhenAll(tasks)).Sum();
    }

    private static async Task<long> GeneratorAsync(ProviderRegistry registry)
    {
        var generator = registry.Resolve(Model);
        var tasks = Enumerable.Range(0, Branches).Select(async b =>
        {
            var text = new StringBuilder();
            var request = new GenerationRequest(Model, Prompt, null, TokensPerBranch, 1.0, b, b);
            await foreach (var chunk in generator.StreamAsync(request, CancellationToken.None))
            {
                text.Append(chunk.Text);
            }

            return (long)text.Length;
        });
        return (await Task.WhenAll(tasks)).Sum();
    }

    private static async Task<long> GenerateAsync(LoomSession session)
    {
        await foreach (var e in session.GenerateAsync())
        {
            switch (e)
            {
                case GenerationComplete complete when complete.Failures.Count == 0:
                    return complete.Completions.Sum(c => (long)c.Length);
                case GenerationComplete complete:
                    throw new InvalidOperationException($"{complete.Failures.Count} branches failed: {complete.Failures[0].Message}");
                case GenerationError error:
                    throw error.Error;
                case GenerationCancelled:
                    throw new OperationCanceledException();
            }
        }

        throw new InvalidOperationException("generate ended without a final event");
    }
}
