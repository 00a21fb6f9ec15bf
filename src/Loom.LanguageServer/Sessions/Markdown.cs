namespace Loom.LanguageServer.Sessions;

/// <summary>Small helpers for hover and documentation markdown.</summary>
public static class Markdown
{
    /// <summary>A fenced block that no backtick run inside <paramref name="text"/> can close.</summary>
    public static string Fence(string text)
    {
        var longest = 0;
        var run = 0;
        foreach (var c in text)
        {
            run = c == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }
        var fence = new string('`', Math.Max(3, longest + 1));
        return $"{fence}text\n{text}\n{fence}";
    }

    /// <summary>Inline code that survives backticks in the text.</summary>
    public static string Code(string text)
    {
        var visible = text.Replace("\n", "\\n").Replace("\r", "\\r").Replace("\t", "\\t");
        var fence = visible.Contains('`') ? "``" : "`";
        return $"{fence} {visible} {fence}";
    }
}
