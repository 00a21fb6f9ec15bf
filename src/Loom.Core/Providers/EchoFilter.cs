namespace Loom.Core.Providers;

/// <summary>
/// Removes an echo: chat models often start their answer by repeating the end of the text they
/// were asked to continue. The start of the answer is held back while it could still be such a
/// repetition (while it occurs in the prompt's tail); then the longest prefix of it that equals a
/// suffix of the prompt (at least <see cref="MinOverlap"/> characters) is dropped. Pure overlap
/// detection: no word lists.
/// </summary>
internal sealed class EchoFilter
{
    /// <summary>Shorter overlaps are ordinary text (" the", a newline), not echoes.</summary>
    internal const int MinOverlap = 8;

    /// <summary>How much of the prompt's end is compared.</summary>
    internal const int Window = 2000;

    private readonly string _tail;
    private readonly System.Text.StringBuilder _held = new();
    private bool _dropLeadingWhitespace;
    private bool _decided;

    public EchoFilter(string prompt, bool dropLeadingWhitespace = false)
    {
        _tail = prompt.Length <= Window ? prompt : prompt[^Window..];
        _dropLeadingWhitespace = dropLeadingWhitespace;
    }

    /// <summary>Takes a piece of the answer; returns what may be shown now.</summary>
    public string Push(string text)
    {
        if (_decided)
        {
            return text;
        }

        _held.Append(text);
        if (_dropLeadingWhitespace)
        {
            int i = 0;
            while (i < _held.Length && char.IsWhiteSpace(_held[i]))
            {
                i++;
            }

            _held.Remove(0, i);
            if (_held.Length == 0)
            {
                return string.Empty;
            }

            _dropLeadingWhitespace = false;
        }

        string held = _held.ToString();
        if (held.Length < _tail.Length && _tail.Contains(held, StringComparison.Ordinal))
        {
            return string.Empty; // could still be an echo
        }

        return Decide(held);
    }

    /// <summary>The end of the answer: whatever is still held back, less its echo.</summary>
    public string Flush() => _decided ? string.Empty : Decide(_held.ToString());

    private string Decide(string held)
    {
        _decided = true;
        _held.Clear();
        int k = Overlap(_tail, held);
        return k > 0 ? held[k..] : held;
    }

    /// <summary>The length of the longest prefix of <paramref name="answer"/> that ends <paramref name="prompt"/> (0 below <see cref="MinOverlap"/>).</summary>
    internal static int Overlap(string prompt, string answer)
    {
        int max = Math.Min(prompt.Length, answer.Length);
        for (int k = max; k >= MinOverlap; k--)
        {
            if (prompt.AsSpan(prompt.Length - k).SequenceEqual(answer.AsSpan(0, k)))
            {
                return k;
            }
        }

        return 0;
    }
}
