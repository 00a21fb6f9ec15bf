using StreamJsonRpc;

namespace Loom.LanguageServer.Tests.Harness;

/// <summary>Asserts on JSON-RPC error responses whatever exception type StreamJsonRpc maps them to.</summary>
public static class RpcAssert
{
    public static async Task<string> ErrorAsync(int expectedCode, Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (RemoteInvocationException ex)
        {
            Assert.Equal(expectedCode, ex.ErrorCode);
            return ex.Message;
        }
        catch (RemoteMethodNotFoundException ex)
        {
            Assert.Equal(expectedCode, (int)ex.ErrorCode);
            return ex.Message;
        }
        Assert.Fail($"expected a JSON-RPC error {expectedCode}, got a result");
        return "";
    }
}
