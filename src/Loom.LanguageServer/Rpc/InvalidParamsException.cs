namespace Loom.LanguageServer.Rpc;

/// <summary>The request's params are wrong; the message names the field. Becomes a -32602 response.</summary>
public sealed class InvalidParamsException : Exception
{
    public InvalidParamsException(string field, string problem)
        : base($"invalid params: '{field}' {problem}") => Field = field;

    public string Field { get; }
}

/// <summary>A request the server refuses for a reason other than its params (becomes -32803 RequestFailed).</summary>
public sealed class RequestFailedException : Exception
{
    public RequestFailedException(string message) : base(message)
    {
    }
}
