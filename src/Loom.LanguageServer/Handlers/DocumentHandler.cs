using System.Text.Json;
using Loom.LanguageServer.Documents;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Handlers;

/// <summary>
/// A method about one document. Params are parsed before anything else (bad params change nothing);
/// then the work runs on the document's queue: as a mutation (in arrival order, alone) or as a read
/// (in parallel with other reads).
/// </summary>
public abstract class DocumentHandler<TArgs> : LspHandler
{
    protected DocumentHandler(ServerContext server) => Server = server;

    protected ServerContext Server { get; }

    /// <summary>True: runs alone, in arrival order. False: a read.</summary>
    public abstract bool Mutates { get; }

    protected abstract (string Uri, TArgs Args) Parse(ParamReader p);

    protected abstract Task<object?> ExecuteAsync(LoomDocument doc, TArgs args, CancellationToken cancellationToken);

    public override Task<object?> HandleAsync(JsonElement parameters, CancellationToken cancellationToken)
    {
        var (uri, args) = Parse(ParamReader.Root(parameters));
        var doc = Server.Workspace.Get(uri, UriField);
        return Mutates
            ? doc.Queue.EnqueueMutation(() => RunAsync(doc, args, cancellationToken), cancellationToken)
            : doc.Queue.EnqueueRead(() => RunAsync(doc, args, cancellationToken), cancellationToken);
    }

    private Task<object?> RunAsync(LoomDocument doc, TArgs args, CancellationToken cancellationToken)
    {
        if (doc.IsClosed)
        {
            throw new InvalidParamsException(UriField, $"names a document that was closed ('{doc.Uri}')");
        }
        return ExecuteAsync(doc, args, cancellationToken);
    }

    protected virtual string UriField => "textDocument.uri";

    protected static string TextDocumentUri(ParamReader p) => p.Object("textDocument").NonEmptyString("uri");

    protected static Protocol.Position ReadPosition(ParamReader p, string name)
    {
        var pos = p.Object(name);
        var line = pos.NonNegativeInt("line");
        var character = pos.NonNegativeInt("character");
        return new Protocol.Position(line, character);
    }

    protected static Protocol.Range ReadRange(ParamReader p, string name)
    {
        var r = p.Object(name);
        return new Protocol.Range(ReadPosition(r, "start"), ReadPosition(r, "end"));
    }
}
