using System.Diagnostics;
using Loom.Core.Session;
using Loom.Core.Store;

namespace Loom.Core.Tests;

public class ReadOnlyFileTests
{
    /// <summary>Makes a file unwritable even for root (chattr +i), or by its mode for other users.</summary>
    private static Action MakeReadOnly(string path)
    {
        if (Environment.UserName == "root" && Run("chattr", "+i", path))
        {
            return () => Run("chattr", "-i", path);
        }
        File.SetAttributes(path, FileAttributes.ReadOnly);
        return () => File.SetAttributes(path, FileAttributes.Normal);
    }

    private static bool Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        return p.ExitCode == 0;
    }

    [Fact]
    public void A_read_only_file_can_be_read_and_writes_give_a_clear_error()
    {
        using var t = new TempStore();
        var root = Trees.Create(t.Store, "keep me", TempStore.Plan);
        t.Store.Dispose();
        var undo = MakeReadOnly(t.Path_);
        try
        {
            using var store = SqliteLoomStore.Open(t.Path_);
            Assert.True(store.IsReadOnly);
            Assert.Contains("read-only", store.OpenWarning);
            using var session = new LoomSession(store, root.Id);
            Assert.Equal("keep me", session.GetState().FullText);
            var e = Assert.Throws<StoreReadOnlyException>(() => session.SetNBranches(5));
            Assert.Contains(t.Path_, e.Message);
            Assert.Equal(3, session.GetState().NBranches); // nothing changed in memory either
            Assert.Throws<StoreReadOnlyException>(() => session.ApplyChange(7, 0, "!"));
            Assert.Equal("keep me", session.GetState().FullText);
        }
        finally
        {
            undo();
        }
    }
}
