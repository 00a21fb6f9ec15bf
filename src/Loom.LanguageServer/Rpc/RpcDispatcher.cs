using System.Reflection;
using System.Text.Json;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Server;
using StreamJsonRpc;

namespace Loom.LanguageServer.Rpc;

/// <summary>
/// Registers every <see cref="LspHandler"/> with StreamJsonRpc behind one gate: the lifecycle
/// (-32002 before initialize, -32600 after shutdown) and the mapping of failures to error responses.
/// </summary>
public static class RpcDispatcher
{
    private static readonly MethodInfo InvokeMethod = typeof(Endpoint).GetMethod(nameof(Endpoint.InvokeAsync))!;

    public static void Register(JsonRpc rpc, ServerContext server, IEnumerable<LspHandler> handlers)
    {
        foreach (var handler in handlers)
        {
            rpc.AddLocalRpcMethod(InvokeMethod, new Endpoint(handler, server),
                new JsonRpcMethodAttribute(handler.Method) { UseSingleObjectParameterDeserialization = true });
        }
    }

    private sealed class Endpoint
    {
        private readonly LspHandler _handler;
        private readonly ServerContext _server;

        public Endpoint(LspHandler handler, ServerContext server)
        {
            _handler = handler;
            _server = server;
        }

        /// <summary>Runs synchronously up to the handler's first await, so handlers see messages in arrival order.</summary>
        public Task<object?> InvokeAsync(JsonElement parameters = default, CancellationToken cancellationToken = default)
        {
            _server.Memory.Touch();
            var phase = _server.Lifecycle.Phase;
            if (phase == LifecyclePhase.Uninitialized && !_handler.AllowedBeforeInitialize)
            {
                if (_handler.IsNotification)
                {
                    _server.Log.Debug($"dropped '{_handler.Method}' received before initialize");
                    return Task.FromResult<object?>(null);
                }
                return Task.FromException<object?>(ErrorMapping.Error(LspErrorCodes.ServerNotInitialized,
                    $"the server is not initialized: send 'initialize' before '{_handler.Method}'"));
            }
            if (phase == LifecyclePhase.ShutDown && _handler.Method != Methods.Exit)
            {
                if (_handler.IsNotification)
                {
                    return Task.FromResult<object?>(null);
                }
                return Task.FromException<object?>(ErrorMapping.Error(LspErrorCodes.InvalidRequest,
                    $"the server is shut down: only 'exit' is accepted, not '{_handler.Method}'"));
            }
            if (phase == LifecyclePhase.Running && _handler.Method == Methods.Initialize)
            {
                return Task.FromException<object?>(ErrorMapping.Error(LspErrorCodes.InvalidRequest, "'initialize' was already sent"));
            }
            Task<object?> task;
            try
            {
                task = _handler.HandleAsync(parameters, cancellationToken);
            }
            catch (Exception ex)
            {
                task = Task.FromException<object?>(ex);
            }
            return Complete(task);
        }

        private async Task<object?> Complete(Task<object?> task)
        {
            try
            {
                return await task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                if (_handler.IsNotification)
                {
                    return null;
                }
                throw;
            }
            catch (Exception ex)
            {
                var error = ErrorMapping.ToRpc(ex);
                if (error.ErrorCode == LspErrorCodes.InternalError)
                {
                    _server.Log.Error($"{_handler.Method} failed: {ex}");
                }
                if (_handler.IsNotification)
                {
                    _server.Log.Error($"{_handler.Method}: {error.Message}");
                    return null;
                }
                _server.Log.Debug($"{_handler.Method}: error {error.ErrorCode}: {error.Message}");
                throw error;
            }
        }
    }
}
