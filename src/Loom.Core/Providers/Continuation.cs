namespace Loom.Core.Providers;

/// <summary>
/// How a chat model is asked to continue a text (basemode-loom's strategies):
/// <c>system</c> asks in the system prompt to continue the user's text verbatim; <c>prefill</c> puts the
/// text into the start of the assistant's answer (where the provider allows it); <c>few_shot</c> shows two
/// examples of continuing first. The tree's context, when there is one, opens the system prompt.
/// </summary>
internal static class Continuation
{
    public const string Instruction =
        "You continue texts. The user gives you the beginning of a text; write what comes next, "
        + "as its author would, starting exactly where it stops (mid-word or mid-sentence if it stops there). "
        + "Answer with the continuation only: no preamble, no quotation marks, no commentary, and do not repeat the given text.";

    public const string PrefillRequest = "Continue the text.";

    private static readonly (string Text, string Continuation)[] Examples =
    [
        ("The lighthouse keeper climbed the stairs for the last time, counting each step as if", " the number might have changed since morning. It had not. One hundred and twelve, the same as always."),
        ("def mean(values):\n    total = sum(values)\n", "    return total / len(values) if values else 0.0\n"),
    ];

    public enum Role
    {
        System,
        User,
        Assistant,
    }

    public readonly record struct Message(Role Role, string Text);

    public static string Normalize(string? strategy) => strategy is "prefill" or "few_shot" ? strategy : "system";

    /// <summary>The system prompt: the tree's context first, then the instruction.</summary>
    public static string SystemPrompt(string? context) =>
        string.IsNullOrEmpty(context) ? Instruction : context + "\n\n" + Instruction;

    /// <summary>The messages for <paramref name="strategy"/>. With <c>prefill</c>, trailing whitespace of the text is held back (providers reject it at the end of an assistant turn).</summary>
    public static List<Message> Build(string strategy, string prompt, string? context)
    {
        var messages = new List<Message> { new(Role.System, SystemPrompt(context)) };
        switch (Normalize(strategy))
        {
            case "prefill":
                messages.Add(new(Role.User, PrefillRequest));
                messages.Add(new(Role.Assistant, prompt.TrimEnd()));
                break;
            case "few_shot":
                foreach (var (text, continuation) in Examples)
                {
                    messages.Add(new(Role.User, text));
                    messages.Add(new(Role.Assistant, continuation));
                }

                messages.Add(new(Role.User, prompt));
                break;
            default:
                messages.Add(new(Role.User, prompt));
                break;
        }

        return messages;
    }

    /// <summary>True when the prefill dropped whitespace that ends the text, so the answer's leading whitespace must go.</summary>
    public static bool PrefillTrimmed(string strategy, string prompt) =>
        Normalize(strategy) == "prefill" && prompt.Length > 0 && char.IsWhiteSpace(prompt[^1]);
}
