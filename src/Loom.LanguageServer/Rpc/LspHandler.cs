using System.Text.Json;

namespace Loom.LanguageServer.Rpc;

/// <summary>
/// One LSP method. Subclasses parse their params (throwing <see cref="InvalidParamsException"/>
/// that names the field) before touching any state, then do their work.
/// </summary>
public abstract class LspHandler
{
    public abstract string Method { get; }

    /// <summary>Notifications get no response; failures are logged instead.</summary>
    public virtual bool IsNotification => false;

    /// <summary>Only <c>initialize</c> and <c>exit</c> may arrive before initialization.</summary>
    public virtual bool AllowedBeforeInitialize => false;

    /// <summary>Called synchronously in arrival order; must enqueue any document work before its first await.</summary>
    public abstract Task<object?> HandleAsync(JsonElement parameters, CancellationToken cancellationToken);
}
