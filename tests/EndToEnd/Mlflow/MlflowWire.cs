using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace LayerLab.Tests.EndToEnd.Mlflow;

/// <summary>
/// Sends requests the way MLflow's Python client does (mlflow/utils/rest_utils.py: requests with <c>json=</c> for POST,
/// <c>params=</c> for GET, <c>Authorization: Bearer</c> from MLFLOW_TRACKING_TOKEN, its User-Agent), body bytes exactly as given.
/// </summary>
public sealed class MlflowWire(Uri baseAddress, string? authorization)
{
    public const string UserAgent = "mlflow-python-client/2.14.1";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    public static MlflowWire Bearer(Uri baseAddress, string token) => new(baseAddress, $"Bearer {token}");

    public static MlflowWire Basic(Uri baseAddress, string user, string password) =>
        new(baseAddress, "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    public async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseAddress, path));
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return await SendAsync(request);
    }

    /// <summary>An artifact upload as MLflow's artifact repository sends it: PUT with the file as the body.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> PutAsync(string path, byte[] data)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(baseAddress, path));
        request.Content = new ByteArrayContent(data);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return await SendAsync(request);
    }

    /// <summary>The raw answer (artifact downloads are not JSON).</summary>
    public async Task<HttpResponseMessage> GetRawAsync(string pathAndQuery)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseAddress, pathAndQuery));
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return await Http.SendAsync(request);
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string pathAndQuery)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseAddress, pathAndQuery));
        return await SendAsync(request);
    }

    private async Task<(HttpStatusCode, JsonElement)> SendAsync(HttpRequestMessage request)
    {
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        request.Headers.TryAddWithoutValidation("Accept", "*/*");
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        // MLflow's client refuses any answer that is not a JSON object (verify_rest_response); so do we.
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/json",
            $"{request.Method} {request.RequestUri} answered {(int)response.StatusCode} with content type {response.Content.Headers.ContentType}: {text}");
        var body = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(JsonValueKind.Object, body.ValueKind);
        return (response.StatusCode, body);
    }

    /// <summary>Asserts an MLflow error: the status and {error_code, message} with a non-empty message.</summary>
    public static void AssertError((HttpStatusCode Status, JsonElement Body) answer, HttpStatusCode status, string errorCode)
    {
        Assert.True(answer.Status == status, $"expected {(int)status} {errorCode}, got {(int)answer.Status}: {answer.Body}");
        Assert.Equal(errorCode, answer.Body.GetProperty("error_code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(answer.Body.GetProperty("message").GetString()));
    }

    public static JsonElement AssertOk((HttpStatusCode Status, JsonElement Body) answer)
    {
        Assert.True(answer.Status == HttpStatusCode.OK, $"expected 200, got {(int)answer.Status}: {answer.Body}");
        return answer.Body;
    }
}
