using Loom.Core.Providers;

namespace Loom.Providers.Tests;

public sealed class EchoFilterTests
{
    private static string Run(string prompt, IEnumerable<string> pieces, bool dropLeadingWhitespace = false)
    {
        var filter = new EchoFilter(prompt, dropLeadingWhitespace);
        return string.Concat(pieces.Select(filter.Push)) + filter.Flush();
    }

    [Fact]
    public void An_echo_of_the_prompt_end_is_removed_across_pieces() =>
        Assert.Equal(" the mat.", Run("The cat sat on the", ["sat", " on", " the", " the", " mat."]));

    [Fact]
    public void A_whole_prompt_echo_is_removed() =>
        Assert.Equal(" and then some", Run("Hello world, again", ["Hello", " world,", " again", " and then some"]));

    [Fact]
    public void Short_overlaps_are_ordinary_text() =>
        Assert.Equal(" the end", Run("it was in the", [" the", " end"]));

    [Fact]
    public void Text_that_is_no_echo_passes_at_once()
    {
        var filter = new EchoFilter("Once upon a time");
        Assert.Equal(" there", filter.Push(" there"));
        Assert.Equal(" was", filter.Push(" was"));
    }

    [Fact]
    public void Held_back_whitespace_is_dropped_for_prefill() =>
        Assert.Equal("jumps", Run("The quick brown fox ", [" ", " jumps"], dropLeadingWhitespace: true));

    [Fact]
    public void An_answer_that_is_only_echo_leaves_nothing() =>
        Assert.Equal(string.Empty, Run("It was a dark and stormy night", ["stormy", " night"]));

    [Fact]
    public void Overlap_needs_eight_characters()
    {
        Assert.Equal(0, EchoFilter.Overlap("abc the", " the end"));
        Assert.Equal(8, EchoFilter.Overlap("x on the mat", " the mat!"));
    }
}
