// A fake OpenAI-compatible (plus Anthropic and Ollama) streaming server for tests and benchmarks.
// Self-contained: depends on nothing but the base class library, so other test projects can link it
// (<Compile Include="..\Loom.Providers.Tests\Fakes\FakeOpenAiServer.cs" />).
// It listens on 127.0.0.1 on a random port, speaks HTTP/1.1 over a raw socket (so it can reset
// connections for real), answers one request per connection, and records every request it got.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Loom.Testing.Fakes;

/// <summary>How a stream ends when nothing goes wrong.</summary>
public enum FakeStreamEnd
{
    /// <summary>A chunk with <c>finish_reason</c>, a usage chunk (when enabled) and <c>data: [DONE]</c>.</summary>
    Done,

    /// <summary>A last chunk with <c>finish_reason</c> (and usage, when enabled), then the connection closes: no <c>[DONE]</c>.</summary>
    FinishReasonOnly,

    /// <summary>The text, then a usage-only chunk with empty <c>choices</c>, then the connection closes: no finish reason, no <c>[DONE]</c>.</summary>
    UsageOnly,

    /// <summary>The text, then a clean end of the body: no finish reason, no usage, no <c>[DONE]</c>.</summary>
    Eof,
}

/// <summary>Which API a request spoke.</summary>
public enum FakeApi
{
    Unknown,
    Completions,
    Chat,
    AnthropicMessages,
    OllamaGenerate,
    OllamaChat,
}

/// <summary>The knobs of one answer. Token indexes count from 0.</summary>
public sealed class FakeBehavior
{
    /// <summary>How many text tokens to stream (0: an empty completion).</summary>
    public int Tokens { get; set; } = 5;

    /// <summary>The text of token <c>i</c> of a request.</summary>
    public Func<FakeRequest, int, string> TokenText { get; set; } = static (_, i) => " tok" + i.ToString(CultureInfo.InvariantCulture);

    /// <summary>Wait before each token.</summary>
    public TimeSpan TokenDelay { get; set; }

    /// <summary>Send usage (when the API has it; for OpenAI shapes only when the request asked with stream_options.include_usage).</summary>
    public bool IncludeUsage { get; set; } = true;

    /// <summary>The prompt token count reported in usage.</summary>
    public int PromptTokens { get; set; } = 11;

    /// <summary>Send logprobs when the request asks for them.</summary>
    public bool Logprobs { get; set; } = true;

    /// <summary>Completions only: send logprobs in the chat-style <c>content</c> shape (as llama.cpp's server does) instead of tokens/token_logprobs/top_logprobs.</summary>
    public bool LogprobsAsContent { get; set; }

    /// <summary>Answer with this HTTP status and an error body instead of a stream (401, 403, 429, 500, ...).</summary>
    public int? Status { get; set; }

    /// <summary>The Retry-After header of an error answer (seconds, or an HTTP date).</summary>
    public string? RetryAfter { get; set; }

    /// <summary>The error body; null: an OpenAI-shaped error object.</summary>
    public string? ErrorBody { get; set; }

    /// <summary>Put the request's Authorization / x-api-key value into the error message, as some providers do.</summary>
    public bool EchoKeyInError { get; set; }

    /// <summary>After this many tokens, send a data line that is not JSON.</summary>
    public int? MalformedAfter { get; set; }

    /// <summary>After this many tokens, send an <c>error</c> object in a data line (HTTP 200) and end the stream.</summary>
    public int? StreamErrorAfter { get; set; }

    /// <summary>The <c>type</c> of that error object (rate_limit_error, server_error, authentication_error, ...).</summary>
    public string StreamErrorType { get; set; } = "server_error";

    /// <summary>The <c>code</c> of that error object, if any.</summary>
    public int? StreamErrorCode { get; set; }

    /// <summary>After this many tokens, reset the connection (TCP RST).</summary>
    public int? ResetAfter { get; set; }

    /// <summary>Never answer (not even headers).</summary>
    public bool Hang { get; set; }

    /// <summary>After this many tokens, stop sending and keep the connection open.</summary>
    public int? HangAfter { get; set; }

    /// <summary>False: stream <see cref="Tokens"/> tokens whatever max_tokens says (a provider that overshoots).</summary>
    public bool RespectMaxTokens { get; set; } = true;

    /// <summary>How the stream ends.</summary>
    public FakeStreamEnd End { get; set; } = FakeStreamEnd.Done;

    /// <summary>How many events go into one socket write (1: each event is written and flushed alone; more: cheaper for benchmarks).</summary>
    public int EventsPerWrite { get; set; } = 1;

    /// <summary>Text sent before the tokens, in 3-character pieces (a chat model echoing the prompt's end).</summary>
    public string? EchoPrefix { get; set; }
}

/// <summary>A request the server received, and what became of its connection.</summary>
public sealed class FakeRequest
{
    private readonly TaskCompletionSource<long> _clientClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _responseEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _tokensSent;

    internal FakeRequest(int seq, string method, string path, IReadOnlyDictionary<string, string> headers, string body)
    {
        Seq = seq;
        Method = method;
        Path = path;
        Headers = headers;
        Body = body;
        ReceivedAt = Stopwatch.GetTimestamp();
        try
        {
            Json = body.Length > 0 ? JsonNode.Parse(body) as JsonObject : null;
        }
        catch (JsonException)
        {
            Json = null;
        }

        Api = path switch
        {
            _ when path.EndsWith("/chat/completions", StringComparison.Ordinal) => FakeApi.Chat,
            _ when path.EndsWith("/completions", StringComparison.Ordinal) => FakeApi.Completions,
            _ when path.EndsWith("/messages", StringComparison.Ordinal) => FakeApi.AnthropicMessages,
            _ when path.EndsWith("/api/generate", StringComparison.Ordinal) => FakeApi.OllamaGenerate,
            _ when path.EndsWith("/api/chat", StringComparison.Ordinal) => FakeApi.OllamaChat,
            _ => FakeApi.Unknown,
        };
        var messages = new List<(string Role, string Content)>();
        if (Json?["system"] is JsonValue sys && sys.TryGetValue(out string? systemText))
        {
            messages.Add(("system", systemText));
        }

        if (Json?["messages"] is JsonArray array)
        {
            foreach (var m in array)
            {
                string role = m?["role"]?.GetValue<string>() ?? string.Empty;
                messages.Add((role, ContentText(m?["content"])));
            }
        }

        Messages = messages;
    }

    /// <summary>0, 1, 2, ... in order of arrival.</summary>
    public int Seq { get; }

    public string Method { get; }

    public string Path { get; }

    /// <summary>Request headers (names case-insensitive; repeated headers joined with ", ").</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    public string Body { get; }

    public JsonObject? Json { get; }

    public FakeApi Api { get; }

    public string? Model => Json?["model"]?.GetValue<string>();

    /// <summary>The <c>prompt</c> field (completions, Ollama generate).</summary>
    public string? Prompt => Json?["prompt"] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    /// <summary>Chat messages as (role, text); Anthropic's top-level <c>system</c> comes first as role "system".</summary>
    public IReadOnlyList<(string Role, string Content)> Messages { get; }

    public int? MaxTokens => Int(Json?["max_tokens"]) ?? Int(Json?["max_completion_tokens"]) ?? Int(Json?["options"]?["num_predict"]);

    /// <summary>Logprob alternatives asked for (completions: <c>logprobs</c>; chat: <c>top_logprobs</c> with <c>logprobs: true</c>), else 0.</summary>
    public int TopLogprobs => Api == FakeApi.Chat
        ? (Json?["logprobs"] is JsonValue b && b.TryGetValue(out bool on) && on ? Int(Json?["top_logprobs"]) ?? 1 : 0)
        : Int(Json?["logprobs"]) ?? 0;

    public bool AskedForUsage => Json?["stream_options"]?["include_usage"] is JsonValue v && v.TryGetValue(out bool b) && b;

    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    /// <summary>When the request arrived (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public long ReceivedAt { get; }

    /// <summary>Text tokens written so far.</summary>
    public int TokensSent => Volatile.Read(ref _tokensSent);

    /// <summary>Completes with the <see cref="Stopwatch.GetTimestamp"/> at which the server saw the client close (or reset) the connection before the answer was complete.</summary>
    public Task<long> ClientClosed => _clientClosed.Task;

    /// <summary>Completes when the server is done with the request, whatever happened.</summary>
    public Task ResponseEnded => _responseEnded.Task;

    /// <summary>True when the server wrote its whole answer.</summary>
    public bool Completed { get; internal set; }

    /// <summary>Set just before the server writes the end of a stream: a close after that is the normal end.</summary>
    internal volatile bool Finishing;

    internal void CountToken() => Interlocked.Increment(ref _tokensSent);

    internal void MarkClientClosed() => _clientClosed.TrySetResult(Stopwatch.GetTimestamp());

    internal void MarkEnded() => _responseEnded.TrySetResult();

    private static int? Int(JsonNode? node) => node is JsonValue v && v.TryGetValue(out int i) ? i : null;

    private static string ContentText(JsonNode? content) => content switch
    {
        JsonValue v when v.TryGetValue(out string? s) => s,
        JsonArray parts => string.Concat(parts.Select(p => p?["text"]?.GetValue<string>() ?? string.Empty)),
        _ => string.Empty,
    };
}

/// <summary>The server. Dispose it to stop it (open connections are closed).</summary>
public sealed class FakeOpenAiServer : IAsyncDisposable, IDisposable
{
    private static readonly byte[] Crlf = "\r\n"u8.ToArray();
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<FakeRequest> _requests = new();
    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private readonly Task _acceptLoop;
    private int _seq = -1;

    public FakeOpenAiServer()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(512);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    /// <summary><c>http://127.0.0.1:PORT/v1</c>: the baseUrl of completions, chat and Anthropic providers.</summary>
    public string BaseUrl => $"http://127.0.0.1:{Port}/v1";

    /// <summary><c>http://127.0.0.1:PORT</c>: the baseUrl of an Ollama provider.</summary>
    public string RootUrl => $"http://127.0.0.1:{Port}";

    /// <summary>The answer to every request that <see cref="BehaviorFor"/> leaves to it.</summary>
    public FakeBehavior Behavior { get; set; } = new();

    /// <summary>Chooses the answer per request (return null for <see cref="Behavior"/>).</summary>
    public Func<FakeRequest, FakeBehavior?>? BehaviorFor { get; set; }

    /// <summary>Every request received so far, in order of arrival.</summary>
    public IReadOnlyList<FakeRequest> Requests => _requests.OrderBy(r => r.Seq).ToList();

    /// <summary>Raised (on the connection's thread) when a request has been read.</summary>
    public event Action<FakeRequest>? RequestReceived;

    /// <summary>A URL on which nothing listens (connection refused).</summary>
    public static string RefusingUrl()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return $"http://127.0.0.1:{port}/v1";
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        _stop.Cancel();
        _listener.Stop();
        foreach (var s in _open.Keys)
        {
            try
            {
                s.Dispose();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            socket.NoDelay = true;
            _open[socket] = 0;
            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        FakeRequest? request = null;
        bool reset = false;
        try
        {
            using var stream = new NetworkStream(socket, ownsSocket: false);
            request = await ReadRequestAsync(stream).ConfigureAwait(false);
            if (request is null)
            {
                return;
            }

            _requests.Enqueue(request);
            RequestReceived?.Invoke(request);
            var behavior = BehaviorFor?.Invoke(request) ?? Behavior;

            // Watch for the client closing the connection while we answer (Connection: close, so
            // the client sends nothing more: a read that ends means it went away).
            WatchClose(socket, request);

            reset = await AnswerAsync(socket, stream, request, behavior).ConfigureAwait(false);
            request.Completed = !reset;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            if (request is { Finishing: false } && !_stop.IsCancellationRequested)
            {
                request.MarkClientClosed();
            }
        }
        finally
        {
            _open.TryRemove(socket, out _);
            if (!reset)
            {
                try
                {
                    socket.Shutdown(SocketShutdown.Both);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                }

                socket.Dispose();
            }

            request?.MarkEnded();
        }
    }

    /// <summary>A blocking reader on a thread of its own, so the moment of the close is seen whatever the thread pool is doing.</summary>
    private void WatchClose(Socket socket, FakeRequest request)
    {
        var thread = new Thread(() =>
        {
            var buffer = new byte[256];
            try
            {
                while (socket.Receive(buffer) > 0)
                {
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }

            if (!request.Finishing && !request.ResponseEnded.IsCompleted && !_stop.IsCancellationRequested)
            {
                request.MarkClientClosed();
            }
        })
        {
            IsBackground = true,
            Name = "fake-server-close-watch",
        };
        thread.Start();
    }

    private async Task<FakeRequest?> ReadRequestAsync(NetworkStream stream)
    {
        var buffer = new List<byte>(4096);
        var chunk = new byte[4096];
        int headerEnd = -1;
        while (headerEnd < 0)
        {
            int n = await stream.ReadAsync(chunk, _stop.Token).ConfigureAwait(false);
            if (n == 0)
            {
                return null;
            }

            buffer.AddRange(chunk.AsSpan(0, n));
            headerEnd = IndexOf(buffer, "\r\n\r\n"u8);
        }

        string head = Encoding.ASCII.GetString(buffer.GetRange(0, headerEnd).ToArray());
        var lines = head.Split("\r\n");
        var first = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                string name = line[..colon].Trim();
                string value = line[(colon + 1)..].Trim();
                headers[name] = headers.TryGetValue(name, out var existing) ? existing + ", " + value : value;
            }
        }

        var rest = buffer.GetRange(headerEnd + 4, buffer.Count - headerEnd - 4);
        byte[] body;
        if (headers.TryGetValue("Content-Length", out var cl) && int.TryParse(cl, out int length))
        {
            while (rest.Count < length)
            {
                int n = await stream.ReadAsync(chunk, _stop.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    return null;
                }

                rest.AddRange(chunk.AsSpan(0, n));
            }

            body = rest.GetRange(0, length).ToArray();
        }
        else if (headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = await ReadChunkedAsync(stream, rest, chunk).ConfigureAwait(false);
        }
        else
        {
            body = [];
        }

        int seq = Interlocked.Increment(ref _seq);
        return new FakeRequest(seq, first[0], first.Length > 1 ? first[1] : "/", headers, Encoding.UTF8.GetString(body));
    }

    private async Task<byte[]> ReadChunkedAsync(NetworkStream stream, List<byte> data, byte[] chunk)
    {
        var body = new List<byte>();
        int pos = 0;
        while (true)
        {
            int lineEnd;
            while ((lineEnd = IndexOf(data, "\r\n"u8, pos)) < 0)
            {
                int n = await stream.ReadAsync(chunk, _stop.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    return body.ToArray();
                }

                data.AddRange(chunk.AsSpan(0, n));
            }

            string sizeText = Encoding.ASCII.GetString(data.GetRange(pos, lineEnd - pos).ToArray()).Split(';')[0].Trim();
            int size = int.Parse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            pos = lineEnd + 2;
            while (data.Count < pos + size + 2)
            {
                int n = await stream.ReadAsync(chunk, _stop.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    return body.ToArray();
                }

                data.AddRange(chunk.AsSpan(0, n));
            }

            if (size == 0)
            {
                return body.ToArray();
            }

            body.AddRange(data.GetRange(pos, size));
            pos += size + 2;
        }
    }

    /// <summary>Writes the answer; returns true when the connection was reset on purpose.</summary>
    private async Task<bool> AnswerAsync(Socket socket, NetworkStream stream, FakeRequest request, FakeBehavior b)
    {
        var ct = _stop.Token;
        if (b.Hang)
        {
            await Task.WhenAny(request.ClientClosed, Task.Delay(Timeout.Infinite, ct)).ConfigureAwait(false);
            return false;
        }

        if (request.Api == FakeApi.Unknown)
        {
            request.Finishing = true;
            await WriteSimpleAsync(stream, 404, "Not Found", "{\"error\":{\"message\":\"no such endpoint\",\"type\":\"invalid_request_error\"}}", null, ct).ConfigureAwait(false);
            return false;
        }

        if (b.Status is int status && status >= 400)
        {
            request.Finishing = true;
            string message = "fake error " + status.ToString(CultureInfo.InvariantCulture);
            if (b.EchoKeyInError)
            {
                message += ": incorrect API key provided: " + (request.Header("Authorization") ?? request.Header("x-api-key") ?? "(none)");
            }

            string body = b.ErrorBody ?? new JsonObject
            {
                ["error"] = new JsonObject { ["message"] = message, ["type"] = status == 429 ? "rate_limit_error" : "error", ["code"] = status },
            }.ToJsonString();
            await WriteSimpleAsync(stream, status, ReasonOf(status), body, b.RetryAfter, ct).ConfigureAwait(false);
            return false;
        }

        bool ndjson = request.Api is FakeApi.OllamaGenerate or FakeApi.OllamaChat;
        await WriteAsync(stream, Encoding.ASCII.GetBytes(
            "HTTP/1.1 200 OK\r\n"
            + $"Content-Type: {(ndjson ? "application/x-ndjson" : "text/event-stream")}\r\n"
            + "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"), ct).ConfigureAwait(false);

        var writer = new EventWriter(stream, request, b, ct);
        int max = request.MaxTokens ?? int.MaxValue;
        int count = b.RespectMaxTokens ? Math.Min(b.Tokens, max) : b.Tokens;
        await writer.StartAsync().ConfigureAwait(false);
        if (b.EchoPrefix is { Length: > 0 } echo)
        {
            for (int i = 0; i < echo.Length; i += 3)
            {
                await writer.TextAsync(echo.Substring(i, Math.Min(3, echo.Length - i)), -1).ConfigureAwait(false);
            }
        }

        for (int i = 0; i < count; i++)
        {
            if (b.ResetAfter == i)
            {
                await writer.FlushAsync().ConfigureAwait(false);
                Reset(socket);
                return true;
            }

            if (b.HangAfter == i)
            {
                await writer.FlushAsync().ConfigureAwait(false);
                await Task.WhenAny(request.ClientClosed, Task.Delay(Timeout.Infinite, ct)).ConfigureAwait(false);
                return false;
            }

            if (b.MalformedAfter == i)
            {
                await writer.RawAsync(ndjson ? "{\"response\": oops\n" : "data: {\"choices\": [oops\n\n").ConfigureAwait(false);
                await writer.EndBodyAsync().ConfigureAwait(false);
                return false;
            }

            if (b.StreamErrorAfter == i)
            {
                await writer.ErrorAsync().ConfigureAwait(false);
                await writer.EndBodyAsync().ConfigureAwait(false);
                return false;
            }

            if (b.TokenDelay > TimeSpan.Zero)
            {
                await writer.FlushAsync().ConfigureAwait(false);
                await Task.Delay(b.TokenDelay, ct).ConfigureAwait(false);
            }

            await writer.TextAsync(b.TokenText(request, i), i).ConfigureAwait(false);
            request.CountToken();
        }

        if (b.ResetAfter == count)
        {
            await writer.FlushAsync().ConfigureAwait(false);
            Reset(socket);
            return true;
        }

        if (b.HangAfter == count)
        {
            await writer.FlushAsync().ConfigureAwait(false);
            await Task.WhenAny(request.ClientClosed, Task.Delay(Timeout.Infinite, ct)).ConfigureAwait(false);
            return false;
        }

        if (b.StreamErrorAfter == count)
        {
            await writer.ErrorAsync().ConfigureAwait(false);
            await writer.EndBodyAsync().ConfigureAwait(false);
            return false;
        }

        request.Finishing = true;
        await writer.FinishAsync(count, count >= max ? "length" : "stop").ConfigureAwait(false);
        await writer.EndBodyAsync().ConfigureAwait(false);
        return false;
    }

    private static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    private static async Task WriteSimpleAsync(NetworkStream stream, int status, string reason, string body, string? retryAfter, CancellationToken ct)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        string head = $"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n"
            + (retryAfter is null ? string.Empty : $"Retry-After: {retryAfter}\r\n") + "\r\n";
        await WriteAsync(stream, Encoding.ASCII.GetBytes(head), ct).ConfigureAwait(false);
        await WriteAsync(stream, bytes, ct).ConfigureAwait(false);
    }

    private static async Task WriteAsync(NetworkStream stream, byte[] bytes, CancellationToken ct)
    {
        await stream.WriteAsync(bytes, ct).ConfigureAwait(false);
        await stream.FlushAsync(ct).ConfigureAwait(false);
    }

    private static string ReasonOf(int status) => status switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Error",
    };

    private static int IndexOf(List<byte> data, ReadOnlySpan<byte> pattern, int start = 0)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(data);
        int i = span[start..].IndexOf(pattern);
        return i < 0 ? -1 : i + start;
    }

    /// <summary>Writes the events of one API as HTTP chunks.</summary>
    private sealed class EventWriter(NetworkStream stream, FakeRequest request, FakeBehavior b, CancellationToken ct)
    {
        private const string Created = "1700000000";
        private readonly string _model = JsonSerializer.Serialize(request.Model ?? "fake");
        private readonly MemoryStream _buffer = new();
        private bool _first = true;
        private int _buffered;

        public Task StartAsync() => request.Api == FakeApi.AnthropicMessages
            ? SseAsync("message_start", $"{{\"type\":\"message_start\",\"message\":{{\"id\":\"msg_{request.Seq}\",\"type\":\"message\",\"role\":\"assistant\",\"model\":{_model},\"content\":[],\"usage\":{{\"input_tokens\":{b.PromptTokens},\"output_tokens\":1}}}}}}"
                + "\n\nevent: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
            : Task.CompletedTask;

        public Task TextAsync(string text, int index)
        {
            string t = JsonSerializer.Serialize(text);
            bool withLogprobs = b.Logprobs && request.TopLogprobs > 0 && index >= 0;
            double lp = -0.1 * ((index % 5) + 1);
            string lpText = lp.ToString("R", CultureInfo.InvariantCulture);
            string altText = (lp - 1).ToString("R", CultureInfo.InvariantCulture);
            switch (request.Api)
            {
                case FakeApi.Completions:
                    string logprobs = withLogprobs && b.LogprobsAsContent
                        ? $"{{\"content\":[{{\"id\":1,\"token\":{t},\"logprob\":{lpText},\"bytes\":[],\"top_logprobs\":[{{\"id\":1,\"token\":{t},\"logprob\":{lpText}}},{{\"id\":2,\"token\":\" alt\",\"logprob\":{altText}}}]}}]}}"
                        : withLogprobs
                        ? $"{{\"tokens\":[{t}],\"token_logprobs\":[{lpText}],\"top_logprobs\":[{{{t}:{lpText},\" alt\":{altText}}}],\"text_offset\":[0]}}"
                        : "null";
                    return DataAsync($"{{\"id\":\"cmpl-{request.Seq}\",\"object\":\"text_completion\",\"created\":{Created},\"model\":{_model},\"choices\":[{{\"index\":0,\"text\":{t},\"logprobs\":{logprobs},\"finish_reason\":null}}]}}");
                case FakeApi.Chat:
                    string chatLogprobs = withLogprobs
                        ? $"{{\"content\":[{{\"token\":{t},\"logprob\":{lpText},\"bytes\":null,\"top_logprobs\":[{{\"token\":{t},\"logprob\":{lpText},\"bytes\":null}},{{\"token\":\" alt\",\"logprob\":{altText},\"bytes\":null}}]}}]}}"
                        : "null";
                    string role = _first ? "\"role\":\"assistant\"," : string.Empty;
                    _first = false;
                    return DataAsync($"{{\"id\":\"chatcmpl-{request.Seq}\",\"object\":\"chat.completion.chunk\",\"created\":{Created},\"model\":{_model},\"choices\":[{{\"index\":0,\"delta\":{{{role}\"content\":{t}}},\"logprobs\":{chatLogprobs},\"finish_reason\":null}}]}}");
                case FakeApi.AnthropicMessages:
                    return SseAsync("content_block_delta", $"{{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"text_delta\",\"text\":{t}}}}}");
                case FakeApi.OllamaGenerate:
                    return LineAsync($"{{\"model\":{_model},\"created_at\":\"2024-01-01T00:00:00Z\",\"response\":{t},\"done\":false}}");
                default:
                    return LineAsync($"{{\"model\":{_model},\"created_at\":\"2024-01-01T00:00:00Z\",\"message\":{{\"role\":\"assistant\",\"content\":{t}}},\"done\":false}}");
            }
        }

        public async Task FinishAsync(int count, string reason)
        {
            string usage = $"{{\"prompt_tokens\":{b.PromptTokens},\"completion_tokens\":{count},\"total_tokens\":{b.PromptTokens + count}}}";
            bool usageWanted = b.IncludeUsage && request.AskedForUsage;
            switch (request.Api)
            {
                case FakeApi.Completions or FakeApi.Chat:
                    string obj = request.Api == FakeApi.Chat ? "chat.completion.chunk" : "text_completion";
                    string emptyChoice = request.Api == FakeApi.Chat ? "\"delta\":{}" : "\"text\":\"\"";
                    string head = $"{{\"id\":\"x-{request.Seq}\",\"object\":\"{obj}\",\"created\":{Created},\"model\":{_model},";
                    switch (b.End)
                    {
                        case FakeStreamEnd.Done:
                            await DataAsync(head + $"\"choices\":[{{\"index\":0,{emptyChoice},\"logprobs\":null,\"finish_reason\":\"{reason}\"}}]}}").ConfigureAwait(false);
                            if (usageWanted)
                            {
                                await DataAsync(head + $"\"choices\":[],\"usage\":{usage}}}").ConfigureAwait(false);
                            }

                            await RawAsync("data: [DONE]\n\n").ConfigureAwait(false);
                            break;
                        case FakeStreamEnd.FinishReasonOnly:
                            await DataAsync(head + $"\"choices\":[{{\"index\":0,{emptyChoice},\"logprobs\":null,\"finish_reason\":\"{reason}\"}}]"
                                + (usageWanted ? $",\"usage\":{usage}}}" : "}")).ConfigureAwait(false);
                            break;
                        case FakeStreamEnd.UsageOnly:
                            await DataAsync(head + $"\"choices\":[],\"usage\":{usage}}}").ConfigureAwait(false);
                            break;
                    }

                    break;
                case FakeApi.AnthropicMessages:
                    await SseAsync("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}").ConfigureAwait(false);
                    await SseAsync("message_delta", $"{{\"type\":\"message_delta\",\"delta\":{{\"stop_reason\":\"{(reason == "length" ? "max_tokens" : "end_turn")}\",\"stop_sequence\":null}},\"usage\":{{\"output_tokens\":{count}}}}}").ConfigureAwait(false);
                    await SseAsync("message_stop", "{\"type\":\"message_stop\"}").ConfigureAwait(false);
                    break;
                default:
                    string counts = b.IncludeUsage ? $",\"prompt_eval_count\":{b.PromptTokens},\"eval_count\":{count}" : string.Empty;
                    string field = request.Api == FakeApi.OllamaGenerate ? "\"response\":\"\"" : "\"message\":{\"role\":\"assistant\",\"content\":\"\"}";
                    await LineAsync($"{{\"model\":{_model},{field},\"done\":true,\"done_reason\":\"{reason}\"{counts}}}").ConfigureAwait(false);
                    break;
            }
        }

        public Task ErrorAsync()
        {
            string type = JsonSerializer.Serialize(b.StreamErrorType);
            string code = b.StreamErrorCode is int c ? c.ToString(CultureInfo.InvariantCulture) : "null";
            return request.Api switch
            {
                FakeApi.AnthropicMessages => SseAsync("error", $"{{\"type\":\"error\",\"error\":{{\"type\":{type},\"message\":\"fake stream error\"}}}}"),
                FakeApi.OllamaGenerate or FakeApi.OllamaChat => LineAsync("{\"error\":\"fake stream error\"}"),
                _ => DataAsync($"{{\"error\":{{\"message\":\"fake stream error\",\"type\":{type},\"code\":{code}}}}}"),
            };
        }

        public Task DataAsync(string json) => RawAsync("data: " + json + "\n\n");

        public Task SseAsync(string eventType, string json) => RawAsync("event: " + eventType + "\ndata: " + json + "\n\n");

        public Task LineAsync(string json) => RawAsync(json + "\n");

        public async Task RawAsync(string text)
        {
            byte[] payload = Encoding.UTF8.GetBytes(text);
            byte[] frame = new byte[payload.Length + 16];
            int n = Encoding.ASCII.GetBytes(payload.Length.ToString("x", CultureInfo.InvariantCulture), frame);
            Crlf.CopyTo(frame, n);
            payload.CopyTo(frame, n + 2);
            Crlf.CopyTo(frame, n + 2 + payload.Length);
            _buffer.Write(frame, 0, n + 4 + payload.Length);
            if (++_buffered >= Math.Max(1, b.EventsPerWrite))
            {
                await FlushAsync().ConfigureAwait(false);
            }
        }

        /// <summary>Writes what is buffered (before any wait, reset or end).</summary>
        public async Task FlushAsync()
        {
            if (_buffer.Length > 0)
            {
                await stream.WriteAsync(_buffer.GetBuffer().AsMemory(0, (int)_buffer.Length), ct).ConfigureAwait(false);
                await stream.FlushAsync(ct).ConfigureAwait(false);
                _buffer.SetLength(0);
            }

            _buffered = 0;
        }

        public async Task EndBodyAsync()
        {
            await FlushAsync().ConfigureAwait(false);
            await WriteAsync(stream, "0\r\n\r\n"u8.ToArray(), ct).ConfigureAwait(false);
        }
    }
}
