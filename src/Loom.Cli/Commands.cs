using System.CommandLine;
using System.Globalization;
using Loom.Core.Formats;
using Loom.Core.Generation;
using Loom.Core.Session;
using Loom.Core.Store;
using Loom.Core.Tree;

namespace Loom.Cli;

/// <summary>The subcommands of <c>loom</c>.</summary>
internal static class Commands
{
    public static Command Import(CliContext ctx)
    {
        var file = new Argument<string>("FILE") { Description = "The file to import (any format 'loom import --help' lists)" };
        var format = new Option<string?>("--format", "-f")
        {
            Description = $"Read the file as this format instead of detecting it: {string.Join(", ", LoomFormats.Importable.Select(f => f.Name()))}",
            HelpName = "FORMAT",
        };
        var note = new Option<string?>("--note")
        {
            Description = "For a Loomsidian data.json: import only the note with this vault path (e.g. Stories/gulls.md)",
            HelpName = "PATH",
        };
        var maxSize = new Option<long>("--max-size")
        {
            Description = $"Refuse files larger than this many MiB (0: no limit)",
            DefaultValueFactory = _ => ImportOptions.DefaultMaxBytes / (1024 * 1024),
            HelpName = "MIB",
        };
        var command = new Command("import", "Import a tree from another loom's file (or Loom JSON) into the database")
        {
            file, format, note, maxSize,
        };
        command.SetAction(parsed =>
        {
            var options = new ImportOptions
            {
                Format = ParseFormat(parsed.GetValue(format), importing: true),
                Part = parsed.GetValue(note),
                MaxBytes = parsed.GetValue(maxSize) * 1024 * 1024,
            };
            var trees = LoomImporter.ImportFile(parsed.GetValue(file)!, options);
            using var store = ctx.OpenStore(parsed);
            var saved = ImportedTree.SaveAll(trees, store);
            foreach (var t in saved)
            {
                foreach (var w in t.Warnings)
                {
                    ctx.Warn(w);
                }
                // The tree id comes last, so scripts can take the last word of the line.
                var nodes = t.Nodes.Count(n => n.Kind != NodeKind.Context);
                var name = string.IsNullOrWhiteSpace(t.Tree.Name) ? "tree" : $"“{t.Tree.Name}”";
                ctx.Out.WriteLine($"imported {name} ({t.Format.Name()}, {nodes} node{(nodes == 1 ? "" : "s")}) as {t.Tree.Id}");
            }
            return LoomCli.Ok;
        });
        return command;
    }

    public static Command Export(CliContext ctx)
    {
        var tree = TreeArgument();
        var format = new Option<string>("--format", "-f")
        {
            Description = $"Output format: {string.Join(", ", LoomFormats.Exportable.Select(f => f.Name()))}",
            DefaultValueFactory = _ => "loom",
            HelpName = "FORMAT",
        };
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of stdout", HelpName = "FILE" };
        var node = new Option<string?>("--node") { Description = "For markdown and text: the node whose path is written (default: the tree's current node)", HelpName = "NODE" };
        var alternatives = new Option<bool>("--alternatives") { Description = "For markdown: quote the other branches at each branch point" };
        var command = new Command("export", "Write a tree as Loom JSON (lossless), basemode-loom JSON, socketteer JSON, Markdown or plain text")
        {
            tree, format, output, node, alternatives,
        };
        command.SetAction(parsed =>
        {
            var fmt = ParseFormat(parsed.GetValue(format), importing: false)!.Value;
            using var store = ctx.OpenStore(parsed);
            var treeId = ResolveTree(store, parsed.GetValue(tree)!);
            var options = new ExportOptions
            {
                NodeId = parsed.GetValue(node) is { } n ? ResolveNode(store, n).Id : null,
                Alternatives = parsed.GetValue(alternatives),
            };
            var path = parsed.GetValue(output);
            if (string.IsNullOrEmpty(path) || path == "-")
            {
                using var buffer = new MemoryStream();
                LoomExporter.Export(store, treeId, fmt, buffer, options);
                ctx.WriteText(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
                return LoomCli.Ok;
            }
            var temp = path + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            try
            {
                using (var stream = File.Create(temp))
                {
                    LoomExporter.Export(store, treeId, fmt, stream, options);
                }
                File.Move(temp, path, overwrite: true);
            }
            finally
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }
            ctx.Err.WriteLine($"wrote {path} ({fmt.Name()})");
            return LoomCli.Ok;
        });
        return command;
    }

    public static Command List(CliContext ctx)
    {
        var command = new Command("list", "List the trees in the database, most recently changed first");
        command.SetAction(parsed =>
        {
            using var store = ctx.OpenStore(parsed);
            var trees = store.ListTrees();
            if (trees.Count == 0)
            {
                ctx.Err.WriteLine($"no trees in {store.Location}");
                return LoomCli.Ok;
            }
            ctx.Out.WriteLine($"{"TREE",-32}  {"NODES",6}  {"UPDATED",-19}  NAME / BEGINNING");
            foreach (var t in trees)
            {
                var updated = t.UpdatedAt.Length >= 19 ? t.UpdatedAt[..19].Replace('T', ' ') : t.UpdatedAt;
                var label = t.Name is { Length: > 0 } name ? name : "“" + CliContext.Preview(t.Preview, 50) + "”";
                ctx.Out.WriteLine($"{t.Id,-32}  {t.NodeCount,6}  {updated,-19}  {label}");
            }
            return LoomCli.Ok;
        });
        return command;
    }

    public static Command Show(CliContext ctx)
    {
        var tree = TreeArgument();
        var depth = new Option<int?>("--depth", "-d") { Description = "Draw at most this many levels below the root", HelpName = "N" };
        var width = new Option<int>("--width") { Description = "Cut each node's text to this many characters", DefaultValueFactory = _ => 60, HelpName = "N" };
        var command = new Command("show", "Draw a tree with box characters: ● on the selected path, ★ bookmarked, [model] who wrote it")
        {
            tree, depth, width,
        };
        command.SetAction(parsed =>
        {
            using var store = ctx.OpenStore(parsed);
            var snap = TreeSnapshot.FromStore(store, ResolveTree(store, parsed.GetValue(tree)!));
            TreeDrawing.Draw(snap, ctx.Out, parsed.GetValue(depth), Math.Max(8, parsed.GetValue(width)));
            return LoomCli.Ok;
        });
        return command;
    }

    public static Command Generate(CliContext ctx)
    {
        var tree = TreeArgument();
        var model = new Option<string?>("--model", "-m") { Description = "Model to use (provider/model); default: the tree's model plan", HelpName = "MODEL" };
        var branches = new Option<int?>("--branches", "-n") { Description = "How many branches (1-64)", HelpName = "N" };
        var maxTokens = new Option<int?>("--max-tokens") { Description = "Length of each branch in tokens (1-32768)", HelpName = "N" };
        var temperature = new Option<double?>("--temperature", "-t") { Description = "Sampling temperature (0-2)", HelpName = "T" };
        var node = new Option<string?>("--node") { Description = "Generate from this node instead of the tree's current node", HelpName = "NODE" };
        var command = new Command("generate", "Generate branches from the tree's current node, streaming each line with its branch number")
        {
            tree, model, branches, maxTokens, temperature, node,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            if (parsed.GetValue(branches) is { } b)
            {
                ModelPlanEntry.ValidateBranches(b);
            }
            if (parsed.GetValue(maxTokens) is { } mt)
            {
                ModelPlanEntry.ValidateMaxTokens(mt);
            }
            if (parsed.GetValue(temperature) is { } temp)
            {
                ModelPlanEntry.ValidateTemperature(temp);
            }
            using var store = ctx.OpenStore(parsed);
            var treeId = ResolveTree(store, parsed.GetValue(tree)!);
            var start = parsed.GetValue(node) is { } n ? ResolveNode(store, n).Id : store.GetTree(treeId).CurrentNodeId ?? treeId;
            using var session = new LoomSession(store, start, Generators.Resolver());
            var overrides = new GenerationOverrides(parsed.GetValue(model), parsed.GetValue(maxTokens), parsed.GetValue(branches), parsed.GetValue(temperature));
            var printer = new BranchPrinter(ctx.Out);
            var exit = LoomCli.Ok;
            await foreach (var e in session.GenerateAsync(overrides, cancellationToken).ConfigureAwait(false))
            {
                switch (e)
                {
                    case TokenReceived token:
                        printer.Write(token.BranchIdx, token.Token);
                        break;
                    case GenerationComplete done:
                        printer.Finish();
                        foreach (var f in done.Failures)
                        {
                            ctx.Err.WriteLine($"loom: branch {f.BranchIdx + 1} ({f.Model}) failed: {f.Message}");
                        }
                        foreach (var created in done.NewNodes)
                        {
                            ctx.Err.WriteLine($"new node {created.Id}  [{created.Model}]");
                        }
                        exit = done.Failures.Count > 0 ? LoomCli.Failed : LoomCli.Ok;
                        break;
                    case GenerationError error:
                        printer.Finish();
                        foreach (var f in error.Failures)
                        {
                            ctx.Err.WriteLine($"loom: branch {f.BranchIdx + 1} ({f.Model}) failed: {f.Message}");
                        }
                        ctx.Err.WriteLine($"loom: generation failed ({error.Category.ToProtocolName()}): {error.Error.Message}");
                        exit = LoomCli.Failed;
                        break;
                    case GenerationCancelled cancelled:
                        printer.Finish();
                        ctx.Err.WriteLine($"loom: cancelled; {cancelled.KeptNodes.Count} partial branch(es) kept");
                        exit = LoomCli.Cancelled;
                        break;
                }
            }
            return exit;
        });
        return command;
    }

    public static Command PathCommand(CliContext ctx)
    {
        var node = new Argument<string>("NODE") { Description = "A node id (or a unique prefix of one, as 'loom show' prints)" };
        var command = new Command("path", "Print the text from the root down to a node") { node };
        command.SetAction(parsed =>
        {
            using var store = ctx.OpenStore(parsed);
            var target = ResolveNode(store, parsed.GetValue(node)!);
            var lineage = store.GetLineage(target.Id);
            ctx.WriteText(string.Concat(lineage.Select(n => n.Text)));
            return LoomCli.Ok;
        });
        return command;
    }

    private static Argument<string> TreeArgument() =>
        new("TREE") { Description = "A tree id, a unique prefix of one, or a tree's exact name ('loom list' shows them)" };

    private static LoomFormat? ParseFormat(string? name, bool importing)
    {
        if (name is null)
        {
            return null;
        }
        var allowed = importing ? LoomFormats.Importable : LoomFormats.Exportable;
        if (LoomFormats.Parse(name) is { } f && allowed.Contains(f))
        {
            return f;
        }
        throw new CliException(
            $"unknown {(importing ? "import" : "export")} format '{name}'; use one of: {string.Join(", ", allowed.Select(x => x.Name()))}",
            LoomCli.Usage);
    }

    /// <summary>A tree by id, unique id prefix, or exact name.</summary>
    internal static string ResolveTree(ILoomStore store, string reference)
    {
        if (store.TryGetTree(reference) is { } exact)
        {
            return exact.Id;
        }
        var trees = store.ListTrees();
        var matches = trees.Where(t => t.Id.StartsWith(reference, StringComparison.OrdinalIgnoreCase)).ToList();
        if (matches.Count == 0)
        {
            matches = trees.Where(t => string.Equals(t.Name, reference, StringComparison.Ordinal)).ToList();
        }
        return matches.Count switch
        {
            1 => matches[0].Id,
            0 => throw new CliException($"no tree '{reference}' in {store.Location} (see 'loom list')"),
            _ => throw new CliException($"'{reference}' matches {matches.Count} trees: {string.Join(", ", matches.Take(5).Select(t => t.Id))}"),
        };
    }

    /// <summary>A node by id or unique id prefix (4 characters or more).</summary>
    internal static Node ResolveNode(ILoomStore store, string reference)
    {
        if (store.TryGetNode(reference) is { } exact)
        {
            return exact;
        }
        if (reference.Length >= 4)
        {
            var matches = new List<Node>();
            foreach (var t in store.ListTrees())
            {
                matches.AddRange(store.GetTreeNodes(t.Id).Where(n => n.Id.StartsWith(reference, StringComparison.OrdinalIgnoreCase)));
                if (matches.Count > 1)
                {
                    break;
                }
            }
            if (matches.Count == 1)
            {
                return matches[0];
            }
            if (matches.Count > 1)
            {
                throw new CliException($"'{reference}' matches more than one node; give more of the id");
            }
        }
        throw new CliException($"no node '{reference}' in {store.Location}");
    }
}
