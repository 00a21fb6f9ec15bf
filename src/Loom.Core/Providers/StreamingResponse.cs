namespace Loom.Core.Providers;

/// <summary>
/// A provider's streamed answer, opened by <see cref="OpenAsync"/>: a failure status becomes the
/// provider's error, and cancellation (or the idle timeout) closes the connection at once, not after
/// the exception has travelled. Disposing it closes the stream and the response.
/// </summary>
internal sealed class StreamingResponse : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenRegistration _abort;

    private StreamingResponse(HttpResponseMessage response, CancellationTokenRegistration abort, Stream stream)
    {
        _response = response;
        _abort = abort;
        Stream = stream;
    }

    public Stream Stream { get; }

    public static async Task<StreamingResponse> OpenAsync(ProviderContext context, HttpRequestMessage message, CancellationToken cancellationToken)
    {
        var response = await context.Http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        try
        {
            if (!response.IsSuccessStatusCode)
            {
                throw await ProviderErrors.FromResponseAsync(context, response, cancellationToken).ConfigureAwait(false);
            }
            var abort = cancellationToken.UnsafeRegister(static r => ((HttpResponseMessage)r!).Dispose(), response);
            try
            {
                return new StreamingResponse(response, abort, await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
            }
            catch
            {
                abort.Dispose();
                throw;
            }
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync().ConfigureAwait(false);
        _abort.Dispose();
        _response.Dispose();
    }
}
