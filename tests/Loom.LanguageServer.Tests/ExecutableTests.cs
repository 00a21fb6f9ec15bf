using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Loom.LanguageServer.Tests.Harness;
using Nerdbank.Streams;

namespace Loom.LanguageServer.Tests;

/// <summary>The built executable as a child process, speaking LSP over its stdio.</summary>
public sealed class ExecutableTests
{
    private const string Uri = "file:///tmp/exe-test.loom";

    [Fact]
    public async Task Executable_speaks_lsp_over_stdio_from_open_to_exit()
    {
        var dir = Path.Combine(Path.GetTempPath(), "loom-ls-exe", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        using var process = Process.Start(ServerExecutable.StartInfo(Path.Combine(dir, "trees.sqlite")))!;
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (stderr) { stderr.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        try
        {
            // A message that is not JSON first: the server logs it and keeps running.
            var garbage = Encoding.UTF8.GetBytes("this is not json");
            await process.StandardInput.BaseStream.WriteAsync(Encoding.ASCII.GetBytes($"Content-Length: {garbage.Length}\r\n\r\n"));
            await process.StandardInput.BaseStream.WriteAsync(garbage);
            await process.StandardInput.BaseStream.FlushAsync();

            var stream = FullDuplexStream.Splice(process.StandardOutput.BaseStream, process.StandardInput.BaseStream);
            using var client = new LspTestClient(stream);
            var init = await client.RequestAsync("initialize", new
            {
                processId = Environment.ProcessId,
                capabilities = ServerFixture.DefaultCapabilities,
                initializationOptions = new { model = "offline/markov", branches = 2, maxTokens = 8 },
            });
            Assert.Equal("loom-language-server", init.GetProperty("serverInfo").GetProperty("name").GetString());
            await client.NotifyAsync("initialized", new { });

            await client.OpenAsync(Uri, "It was a dark and stormy night; the rain fell in torrents");
            var state = await client.RequestAsync("loom/state", new { uri = Uri });
            Assert.Equal("offline/markov", state.GetProperty("model").GetString());

            state = await client.CommandAsync("loom.generate", new { uri = Uri });
            Assert.Equal(2, state.GetProperty("children").GetArrayLength());
            await client.WaitForAsync("loom/generation", e => e.GetProperty("event").GetString() == "complete");

            var completion = await client.RequestAsync("textDocument/completion",
                new { textDocument = new { uri = Uri }, position = client.Doc(Uri).End });
            Assert.Equal(2, completion.GetProperty("items").GetArrayLength());

            state = await client.CommandAsync("loom.navigateChild", new { uri = Uri });
            Assert.Equal(state.GetProperty("fullText").GetString(), client.Text(Uri));
            Assert.StartsWith("It was a dark and stormy night; the rain fell in torrents", client.Text(Uri));

            await client.TypeAtEndAsync(Uri, " Typed by hand.");
            state = await client.RequestAsync("loom/state", new { uri = Uri });
            Assert.Equal(client.Text(Uri), state.GetProperty("fullText").GetString());
            Assert.EndsWith(" Typed by hand.", state.GetProperty("fullText").GetString());

            var bookmark = await client.CommandAsync("loom.toggleBookmark", new { uri = Uri });
            Assert.True(bookmark.GetProperty("bookmarked").GetBoolean());
            Assert.True(bookmark.GetProperty("state").GetProperty("bookmarked").GetBoolean());

            await client.RequestAsync<JsonElement?>("shutdown", null);
            await client.NotifyAsync("exit", null);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(0, process.ExitCode);
            lock (stderr)
            {
                Assert.Contains("not valid JSON-RPC", stderr.ToString());
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            try
            {
                Directory.Delete(dir, true);
            }
            catch (IOException)
            {
            }
        }
    }

    [Fact]
    public async Task Version_flag_prints_the_version_and_exits_0()
    {
        var info = ServerExecutable.StartInfo(Path.Combine(Path.GetTempPath(), "unused.sqlite"));
        info.ArgumentList.Clear();
        if (info.FileName == "dotnet")
        {
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "loom-language-server.dll"));
        }
        info.ArgumentList.Add("--version");
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, process.ExitCode);
        Assert.StartsWith("loom-language-server ", output);
    }
}
