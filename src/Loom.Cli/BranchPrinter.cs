namespace Loom.Cli;

/// <summary>
/// Streams the tokens of concurrent branches to a terminal: every line starts with its branch number
/// (<c>[2] </c>), and a token from another branch than the line's starts a new line.
/// </summary>
internal sealed class BranchPrinter(TextWriter output)
{
    private int? _lineBranch;

    public void Write(int branchIdx, string token)
    {
        var pieces = token.Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < pieces.Length; i++)
        {
            if (i > 0)
            {
                // A newline inside the branch's text ends the line.
                EnsureLine(branchIdx);
                output.WriteLine();
                _lineBranch = null;
            }
            if (pieces[i].Length == 0)
            {
                continue;
            }
            EnsureLine(branchIdx);
            output.Write(pieces[i]);
        }
        output.Flush();
    }

    private void EnsureLine(int branchIdx)
    {
        if (_lineBranch == branchIdx)
        {
            return;
        }
        if (_lineBranch is not null)
        {
            output.WriteLine();
        }
        output.Write($"[{branchIdx + 1}] ");
        _lineBranch = branchIdx;
    }

    /// <summary>Ends the open line, if any.</summary>
    public void Finish()
    {
        if (_lineBranch is not null)
        {
            output.WriteLine();
            _lineBranch = null;
        }
        output.Flush();
    }
}
