using Loom.Core.Formats;
using Loom.Core.Tree;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;

namespace Loom.LanguageServer.Commands;

/// <summary>
/// <c>loom.import</c> <c>{path, format?}</c>: imports a file of another loom (format detected unless
/// named) into the database, writes a new <c>.loom</c> file beside it holding the imported tree's
/// current path, binds that file to the tree, and returns <c>{treeId, uri, treeIds}</c>.
/// </summary>
public sealed class ImportCommand : LoomCommand<(string Path, LoomFormat? Format)>
{
    public override string Name => "loom.import";

    public override CommandScope Scope => CommandScope.Global;

    protected override (string Path, LoomFormat? Format) ParseArgs(ParamReader args)
    {
        var path = args.NonEmptyString("path");
        var name = args.OptionalString("format");
        LoomFormat? format = null;
        if (name is not null)
        {
            format = LoomFormats.Parse(name);
            if (format is null || !LoomFormats.Importable.Contains(format.Value))
            {
                throw new InvalidParamsException(args.FieldPath("format"),
                    $"'{name}' is not an importable format ({string.Join(", ", LoomFormats.Importable.Select(f => f.Name()))})");
            }
        }
        return (path, format);
    }

    protected override Task<object?> ExecuteAsync(CommandContext context, (string Path, LoomFormat? Format) args, CancellationToken cancellationToken) =>
        Task.Run<object?>(() =>
        {
            var store = context.Server.Store.Store;
            IReadOnlyList<ImportedTree> saved;
            try
            {
                var trees = LoomImporter.ImportFile(args.Path, new ImportOptions { Format = args.Format });
                saved = ImportedTree.SaveAll(trees, store);
            }
            catch (LoomImportException ex)
            {
                throw new RequestFailedException(ex.Message);
            }
            if (saved.Count == 0)
            {
                throw new RequestFailedException($"cannot import '{args.Path}': it holds no tree");
            }
            foreach (var warning in saved.SelectMany(t => t.Warnings))
            {
                context.Server.Log.Warning($"import of {args.Path}: {warning}");
            }
            var first = saved[0];
            var tree = store.GetTree(first.Tree.Id);
            var nodeId = tree.CurrentNodeId is { } current && store.TryGetNode(current) is { Kind: not NodeKind.Context } ? current : tree.Id;
            var text = string.Concat(store.GetLineage(nodeId).Select(n => n.Text));
            var file = FreeLoomPath(args.Path);
            File.WriteAllText(file, text);
            var uri = new Uri(file).AbsoluteUri;
            store.Write(w =>
            {
                w.SetBinding(uri, tree.Id, nodeId);
                return 0;
            });
            context.Server.Log.Info($"imported {saved.Count} tree(s) from {args.Path}; the first is bound to {file}");
            return new ImportResult(tree.Id, uri, saved.Select(t => t.Tree.Id).ToList());
        }, cancellationToken);

    /// <summary><c>name.loom</c> beside the imported file, or <c>name-2.loom</c>, ... when taken.</summary>
    private static string FreeLoomPath(string imported)
    {
        var full = Path.GetFullPath(imported);
        var dir = Path.GetDirectoryName(full)!;
        var stem = Path.GetFileNameWithoutExtension(full);
        var candidate = Path.Combine(dir, stem + ".loom");
        for (var i = 2; File.Exists(candidate); i++)
        {
            candidate = Path.Combine(dir, $"{stem}-{i}.loom");
        }
        return candidate;
    }
}

/// <summary><c>loom.export</c> <c>{uri, format, path}</c>: writes the document's tree in a format; returns <c>{path}</c>.</summary>
public sealed class ExportCommand : LoomCommand<(LoomFormat Format, string Path)>
{
    public override string Name => "loom.export";

    public override CommandScope Scope => CommandScope.Mutation;

    protected override (LoomFormat Format, string Path) ParseArgs(ParamReader args)
    {
        var name = args.NonEmptyString("format");
        var format = LoomFormats.Parse(name);
        if (format is null || !LoomFormats.Exportable.Contains(format.Value))
        {
            throw new InvalidParamsException(args.FieldPath("format"),
                $"'{name}' is not an export format ({string.Join(", ", LoomFormats.Exportable.Select(f => f.Name()))})");
        }
        return (format.Value, args.NonEmptyString("path"));
    }

    protected override Task<object?> ExecuteAsync(CommandContext context, (LoomFormat Format, string Path) args, CancellationToken cancellationToken)
    {
        var session = context.Doc.RequireSession();
        session.Save();
        var full = Path.GetFullPath(args.Path);
        var temp = full + ".tmp-" + Environment.ProcessId;
        try
        {
            using (var stream = File.Create(temp))
            {
                LoomExporter.Export(session.Store, session.TreeId, args.Format, stream);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            throw new RequestFailedException($"cannot write '{full}': {ex.Message}");
        }
        return Task.FromResult<object?>(new ExportResult(full));
    }
}
