namespace Loom.Core.Formats;

/// <summary>
/// A file could not be imported. The message names the file and what is wrong with it, and is meant
/// for a user; nothing was written to the store.
/// </summary>
public class LoomImportException : FormatException
{
    public LoomImportException(string path, string problem, Exception? inner = null)
        : base($"cannot import '{path}': {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The file (or a label such as "stdin") that was being imported.</summary>
    public string Path { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }
}
