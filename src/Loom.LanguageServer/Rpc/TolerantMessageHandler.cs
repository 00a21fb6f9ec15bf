using Loom.LanguageServer.Server;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace Loom.LanguageServer.Rpc;

/// <summary>
/// <see cref="HeaderDelimitedMessageHandler"/> that survives a message that is not JSON (or not
/// JSON-RPC): the message is logged and skipped instead of ending the connection.
/// </summary>
public sealed class TolerantMessageHandler : HeaderDelimitedMessageHandler
{
    private readonly ServerLog _log;

    public TolerantMessageHandler(Stream sending, Stream receiving, IJsonRpcMessageFormatter formatter, ServerLog log)
        : base(sending, receiving, formatter) => _log = log;

    protected override async ValueTask<JsonRpcMessage?> ReadCoreAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await base.ReadCoreAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or IOException or ObjectDisposedException))
            {
                _log.Error($"skipped a message that is not valid JSON-RPC: {ex.Message}");
            }
        }
    }
}
