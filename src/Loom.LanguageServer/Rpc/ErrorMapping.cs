using Loom.Core.Store;
using Loom.LanguageServer.Protocol;
using StreamJsonRpc;

namespace Loom.LanguageServer.Rpc;

/// <summary>Exceptions from handlers and Core to JSON-RPC error responses.</summary>
public static class ErrorMapping
{
    public static LocalRpcException ToRpc(Exception ex) => ex switch
    {
        LocalRpcException rpc => rpc,
        InvalidParamsException p => Error(LspErrorCodes.InvalidParams, p.Message),
        ArgumentOutOfRangeException r => Error(LspErrorCodes.InvalidParams, $"invalid params: '{FieldName(r.ParamName)}' {StripParamSuffix(r.Message)}"),
        ArgumentException a => Error(LspErrorCodes.InvalidParams, $"invalid params: '{FieldName(a.ParamName)}' {StripParamSuffix(a.Message)}"),
        NodeNotFoundException n => Error(LspErrorCodes.InvalidParams, $"invalid params: 'nodeId' {n.Message}"),
        TreeNotFoundException t => Error(LspErrorCodes.InvalidParams, $"invalid params: 'treeId' {t.Message}"),
        RequestFailedException f => Error(LspErrorCodes.RequestFailed, f.Message),
        LoomStoreException s => Error(LspErrorCodes.RequestFailed, s.Message),
        InvalidOperationException i => Error(LspErrorCodes.RequestFailed, i.Message),
        _ => Error(LspErrorCodes.InternalError, $"internal error: {ex.GetType().Name}: {ex.Message}"),
    };

    public static LocalRpcException Error(int code, string message) => new(message) { ErrorCode = code, ErrorData = null };

    private static string FieldName(string? paramName) => string.IsNullOrEmpty(paramName) ? "params" : paramName switch
    {
        "NBranches" or "nBranches" or "n" => "branches",
        "MaxTokens" => "maxTokens",
        "Temperature" => "temperature",
        "Model" => "model",
        _ => paramName,
    };

    /// <summary>Exception messages end with " (Parameter 'x')" and an "Actual value" line; keep the sentence only.</summary>
    private static string StripParamSuffix(string message)
    {
        var cut = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        if (cut >= 0)
        {
            message = message[..cut];
        }
        var nl = message.IndexOfAny(['\r', '\n']);
        return nl >= 0 ? message[..nl] : message;
    }
}
