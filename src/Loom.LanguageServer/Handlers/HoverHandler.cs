using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Loom.Core.Tree;
using Loom.LanguageServer.Documents;
using Loom.LanguageServer.Sessions;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Handlers;

/// <summary>
/// <c>textDocument/hover</c>: the node owning the character (model, strategy, created, tokens/cost,
/// bookmark, sibling index) and, on generated text with logprobs, the token's logprob and top alternatives.
/// </summary>
public sealed class HoverHandler : DocumentHandler<Position>
{
    public HoverHandler(ServerContext server) : base(server)
    {
    }

    public override string Method => Methods.Hover;

    public override bool Mutates => false;

    protected override (string Uri, Position Args) Parse(ParamReader p) => (TextDocumentUri(p), ReadPosition(p, "position"));

    protected override Task<object?> ExecuteAsync(LoomDocument doc, Position position, CancellationToken cancellationToken)
    {
        if (doc.Session is not { } session || !doc.InSync)
        {
            return Task.FromResult<object?>(null);
        }
        var state = session.GetState();
        var lines = doc.Lines;
        if (!lines.TryGetOffset(position, Server.Encoding, out var offset) || state.Lineage.IsDefaultOrEmpty)
        {
            return Task.FromResult<object?>(null);
        }
        var index = Segments.IndexAt(state, offset);
        var node = state.Lineage[index];
        var start = Segments.Start(state, index);
        var end = Segments.End(state, index);
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"**{(node.IsRoot ? "root" : node.Author)}**");
        if (node.Model is { } model)
        {
            md.Append(CultureInfo.InvariantCulture, $" · `{model}`");
        }
        if (node.Strategy is { } strategy)
        {
            md.Append(CultureInfo.InvariantCulture, $" · {strategy}");
        }
        if (node.IsBookmarked)
        {
            md.Append(" · ★ bookmarked");
        }
        md.Append("\n\n");
        md.Append(CultureInfo.InvariantCulture, $"created {node.CreatedAt}");
        if (node.ParentId is { } parent)
        {
            var siblings = session.Store.GetChildren(parent);
            var at = siblings.ToList().FindIndex(n => n.Id == node.Id);
            md.Append(CultureInfo.InvariantCulture, $" · sibling {at + 1}/{siblings.Count}");
        }
        AppendUsage(md, node);
        AppendLogprob(md, node, offset - start);
        md.Append(CultureInfo.InvariantCulture, $"\n\n`{node.Id}`");
        var range = new Protocol.Range(lines.GetPosition(start, Server.Encoding), lines.GetPosition(end, Server.Encoding));
        return Task.FromResult<object?>(new Hover(MarkupContent.Markdown(md.ToString()), range));
    }

    private static void AppendUsage(StringBuilder md, Node node)
    {
        if (node.Metadata.Get(NodeMetadata.Usage) is not JsonObject usage)
        {
            return;
        }
        var prompt = Number(usage["prompt_tokens"]);
        var completion = Number(usage["completion_tokens"]);
        var estimated = usage["estimated"] is JsonValue e && e.TryGetValue<bool>(out var est) && est;
        md.Append("\n\n");
        md.Append(CultureInfo.InvariantCulture, $"tokens: {prompt ?? 0} prompt + {completion ?? 0} completion{(estimated ? " (estimated)" : "")}");
        if (Number(usage["cost_usd"]) is { } cost)
        {
            md.Append(CultureInfo.InvariantCulture, $" · ${cost:0.######}");
        }
    }

    /// <summary>A JSON number whatever CLR type the node holds (metadata read back from the store is parsed as doubles, fresh metadata holds ints).</summary>
    private static double? Number(JsonNode? node)
    {
        if (node is not JsonValue v)
        {
            return null;
        }
        if (v.TryGetValue<double>(out var d))
        {
            return d;
        }
        if (v.TryGetValue<long>(out var l))
        {
            return l;
        }
        if (v.TryGetValue<int>(out var i))
        {
            return i;
        }
        if (v.TryGetValue<decimal>(out var m))
        {
            return (double)m;
        }
        return v.TryGetValue<System.Text.Json.JsonElement>(out var e) && e.ValueKind == System.Text.Json.JsonValueKind.Number ? e.GetDouble() : null;
    }

    /// <summary>Finds the generated token at <paramref name="offsetInNode"/> in the node's <c>logprobs</c> metadata.</summary>
    private static void AppendLogprob(StringBuilder md, Node node, int offsetInNode)
    {
        if (node.Metadata.Get(NodeMetadata.Logprobs) is not JsonArray tokens)
        {
            return;
        }
        var position = 0;
        foreach (var item in tokens)
        {
            if (item is not JsonObject t || t["token"] is not JsonValue tv || !tv.TryGetValue<string>(out var token))
            {
                continue;
            }
            if (offsetInNode >= position && offsetInNode < position + Math.Max(1, token.Length))
            {
                var logprob = Number(t["logprob"]) ?? double.NaN;
                md.Append("\n\n---\n\n");
                md.Append(CultureInfo.InvariantCulture, $"token {Markdown.Code(token)} logprob {logprob:0.###} (p = {Math.Exp(logprob):0.###})");
                if (t["top"] is JsonArray top && top.Count > 0)
                {
                    md.Append("\n\n| alternative | logprob | p |\n|---|---|---|\n");
                    foreach (var alt in top.OfType<JsonObject>())
                    {
                        var text = alt["token"] is JsonValue av && av.TryGetValue<string>(out var at) ? at : "";
                        var lp = Number(alt["logprob"]) ?? double.NaN;
                        md.Append(CultureInfo.InvariantCulture, $"| {Markdown.Code(text).Replace("|", "\\|")} | {lp:0.###} | {Math.Exp(lp):0.###} |\n");
                    }
                }
                return;
            }
            position += token.Length;
        }
    }
}
