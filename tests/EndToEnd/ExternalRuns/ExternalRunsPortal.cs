using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LayerLab.Tests.EndToEnd.Infrastructure;

namespace LayerLab.Tests.EndToEnd.ExternalRuns;

/// <summary>One portal for the external-run tests (worker off: nothing here trains), with a 1 MB artifact limit,
/// two researchers and tokens of each kind.</summary>
public sealed class ExternalRunsPortal : IAsyncLifetime
{
    public const string Password = "user-password-1";
    public const long ArtifactLimit = 1024 * 1024;
    public const int TensorMaxElements = 256;
    public const long TensorRunCapBytes = 4 * 256 * 4; // four full-size tensors
    public TempDatabase Db { get; } = new();
    public PortalProcess Portal { get; private set; } = null!;
    /// <summary>Admin, write token.</summary>
    public HttpClient AdminToken { get; private set; } = null!;
    /// <summary>Researcher one: write token and read-only token; researcher two: write token.</summary>
    public HttpClient Alice { get; private set; } = null!;
    public HttpClient AliceReadOnly { get; private set; } = null!;
    public HttpClient Bob { get; private set; } = null!;
    public string AliceTokenText { get; private set; } = "";

    public string ArtifactsFolder => Path.Combine(Path.GetDirectoryName(Db.FilePath)!, "artifacts");

    public async Task InitializeAsync()
    {
        Portal = await PortalProcess.StartAsync(Db.FilePath, new Dictionary<string, string>
        {
            ["LayerLab__Worker__Enabled"] = "false",
            ["LayerLab__Artifacts__MaxBytes"] = ArtifactLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Small tensor caps, so the tensor tests reach them with a few posts.
            ["LayerLab__Tensors__MaxBytesPerRun"] = TensorRunCapBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["LayerLab__Tensors__MaxElements"] = TensorMaxElements.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await Portal.Http.CreateUserAsync("alice@lab.test", Password, "Researcher");
        await Portal.Http.CreateUserAsync("bob@lab.test", Password, "Researcher");
        var alice = await Portal.SignInAsync("alice@lab.test", Password);
        var bob = await Portal.SignInAsync("bob@lab.test", Password);
        AdminToken = WithToken(await Portal.Http.CreateTokenAsync("admin-write", "read", "write"));
        AliceTokenText = await alice.CreateTokenAsync("alice-write", "read", "write");
        Alice = WithToken(AliceTokenText);
        AliceReadOnly = WithToken(await alice.CreateTokenAsync("alice-read", "read"));
        Bob = WithToken(await bob.CreateTokenAsync("bob-write", "read", "write"));
        alice.Dispose();
        bob.Dispose();
    }

    private HttpClient WithToken(string token)
    {
        var client = new HttpClient { BaseAddress = Portal.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async Task DisposeAsync()
    {
        foreach (var client in new[] { AdminToken, Alice, AliceReadOnly, Bob }) client?.Dispose();
        await Portal.DisposeAsync();
        Db.Dispose();
    }

    public static async Task<(System.Net.HttpStatusCode Status, JsonElement Body)> SendAsync(
        HttpClient client, HttpMethod method, string path, HttpContent? content)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonElement body = default;
        if (text.Length > 0)
        {
            try { body = JsonDocument.Parse(text).RootElement.Clone(); }
            catch (JsonException) { body = JsonDocument.Parse(JsonSerializer.Serialize(text)).RootElement.Clone(); }
        }
        return (response.StatusCode, body);
    }

    public static Task<(System.Net.HttpStatusCode Status, JsonElement Body)> SendJsonAsync(
        HttpClient client, HttpMethod method, string path, object body) =>
        SendAsync(client, method, path, JsonContent.Create(body));

    public static Task<(System.Net.HttpStatusCode Status, JsonElement Body)> SendRawJsonAsync(
        HttpClient client, HttpMethod method, string path, string json) =>
        SendAsync(client, method, path, new StringContent(json, Encoding.UTF8, "application/json"));

    public static async Task<long> CreateRunAsync(HttpClient client, string name = "ext")
    {
        var (status, body) = await SendJsonAsync(client, HttpMethod.Post, "/api/runs/external",
            new { name, parameters = new { lr = 0.01, optimizer = "adam", warmup = true } });
        Assert.True(status == System.Net.HttpStatusCode.Created, $"create returned {status}: {body}");
        return body.GetProperty("id").GetInt64();
    }

    /// <summary>A multipart body written byte for byte, so file names reach the server exactly as given
    /// (HttpClient would refuse or re-encode some of them).</summary>
    public static ByteArrayContent Multipart(string fileName, byte[] data)
    {
        const string boundary = "----layerlab-test-boundary";
        using var stream = new MemoryStream();
        var head = $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{fileName}\"\r\nContent-Type: application/octet-stream\r\n\r\n";
        stream.Write(Encoding.UTF8.GetBytes(head));
        stream.Write(data);
        stream.Write(Encoding.UTF8.GetBytes($"\r\n--{boundary}--\r\n"));
        var content = new ByteArrayContent(stream.ToArray());
        content.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={boundary}");
        return content;
    }
}
