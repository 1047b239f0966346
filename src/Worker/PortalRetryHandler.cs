using System.Net;

namespace LayerLab.Worker;

/// <summary>
/// Retries a request while the portal is briefly unreachable (restarting, 502/503 from a proxy): a worker must not
/// fail a run because the portal restarted. Gives up after about 30 s and lets the caller see the error.
/// </summary>
public sealed class PortalRetryHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private const int MaxTries = 30;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // Bodies are JsonContent/ByteArray (buffered), so re-sending the same request message is safe.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                if (attempt >= MaxTries || response.StatusCode is not (HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable))
                    return response;
                response.Dispose();
            }
            catch (HttpRequestException) when (attempt < MaxTries)
            {
                // not listening (yet/again)
            }
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }
}
