namespace Loom.Core.Formats.Import;

/// <summary>What one import run shares: the file label (for messages), the time, warnings, used ids.</summary>
internal sealed class ImportContext
{
    private readonly List<string> _warnings = new();

    public ImportContext(string file, DateTimeOffset now)
    {
        File = file;
        Now = now;
        NowTimestamp = Tree.Ids.Timestamp(now);
    }

    /// <summary>The file as the user named it.</summary>
    public string File { get; }

    public DateTimeOffset Now { get; }

    public string NowTimestamp { get; }

    /// <summary>Ids given out so far in this run (across every tree of a many-tree file).</summary>
    public HashSet<string> UsedIds { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Warnings => _warnings;

    public void Warn(string message)
    {
        if (_warnings.Count < 200)
        {
            _warnings.Add(message);
        }
        else if (_warnings.Count == 200)
        {
            _warnings.Add("(more warnings left out)");
        }
    }

    public List<string> TakeWarnings()
    {
        var copy = new List<string>(_warnings);
        _warnings.Clear();
        return copy;
    }

    public LoomImportException Fail(string problem, Exception? inner = null) => new(File, problem, inner);
}
