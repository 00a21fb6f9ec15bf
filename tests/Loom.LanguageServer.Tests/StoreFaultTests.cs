using System.Text.Json;
using Loom.Core.Store;
using Loom.LanguageServer.Tests.Harness;

namespace Loom.LanguageServer.Tests;

public class StoreFaultTests
{
    private const string Uri = "file:///tmp/disk-full.loom";

    [Fact]
    public async Task Disk_full_while_typing_warns_once_keeps_the_text_and_writes_it_when_space_returns()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.OpenLoomAsync(Uri, "Once upon a time");
        var store = (SqliteLoomStore)f.Store;
        await f.Client.TypeAtEndAsync(Uri, ",");
        await f.StateAsync(Uri);
        store.SetMaxPageCount(store.PageCount); // the file cannot grow: SQLITE_FULL from now on

        var big = new string('w', 30_000);
        await f.Client.TypeAtEndAsync(Uri, " there was " + big);
        foreach (var ch in " a keeper")
        {
            await f.Client.TypeAtEndAsync(Uri, ch.ToString());
        }
        var state = await f.StateAsync(Uri);
        var expected = "Once upon a time, there was " + big + " a keeper";
        Assert.Equal(expected, state.GetProperty("fullText").GetString());
        Assert.Equal(expected, f.Client.Text(Uri));

        var warning = await f.Client.WaitForAsync("window/showMessage", m => m.GetProperty("type").GetInt32() == 2, TimeSpan.FromSeconds(15));
        Assert.Contains("disk is full", warning.GetProperty("message").GetString());
        Assert.Contains("kept in memory", warning.GetProperty("message").GetString());

        store.SetMaxPageCount(1_000_000);
        await f.Client.WaitForAsync("window/showMessage", m => m.GetProperty("type").GetInt32() == 3, TimeSpan.FromSeconds(15));
        Assert.Single(f.Client.Notifications("window/showMessage"), m => m.GetProperty("type").GetInt32() == 2);
        var current = state.GetProperty("currentNodeId").GetString()!;
        Assert.Equal(expected, string.Concat(store.GetLineage(current).Select(n => n.Text)));
    }
}
