// Logs a training loop to LayerLab over HTTP and watches the same points come back live over SignalR.
//   LAYERLAB_URL=http://127.0.0.1:5000 LAYERLAB_TOKEN=ll_... dotnet run --project examples/DotnetClient
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

var baseUrl = new Uri((Environment.GetEnvironmentVariable("LAYERLAB_URL") ?? "http://127.0.0.1:5000").TrimEnd('/') + "/");
var token = Environment.GetEnvironmentVariable("LAYERLAB_TOKEN")
    ?? throw new InvalidOperationException("Set LAYERLAB_TOKEN to an API token with the read and write scopes.");

using var http = new HttpClient { BaseAddress = baseUrl };
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

// 1. Create the run.
using var created = await http.PostAsJsonAsync("api/runs/external", new
{
    name = "dotnet client example",
    parameters = new Dictionary<string, object> { ["lr"] = 0.01, ["optimizer"] = "adam", ["epochs"] = 50 },
});
created.EnsureSuccessStatusCode();
var run = await created.Content.ReadFromJsonAsync<JsonElement>();
var runId = run.GetProperty("id").GetInt64();
Console.WriteLine($"run {runId}: {new Uri(baseUrl, $"runs/{runId}")}");

// 2. Subscribe to its live metrics (the same messages the browser chart gets).
var received = 0;
await using var hub = new HubConnectionBuilder()
    .WithUrl(new Uri(baseUrl, "hubs/runs"), options => options.AccessTokenProvider = () => Task.FromResult<string?>(token))
    .WithAutomaticReconnect()
    .Build();
hub.On<MetricsAppended>("MetricsAppended", message =>
{
    foreach (var point in message.Points)
    {
        Interlocked.Increment(ref received);
        Console.WriteLine($"  live: {point.Key} step {point.Step} = {(point.Value is { } v ? v.ToString("F4", System.Globalization.CultureInfo.InvariantCulture) : "NaN/Inf")}");
    }
});
await hub.StartAsync();
await hub.InvokeAsync("JoinRun", runId);

// 3. The "training loop": one batch of points per epoch. A 200 means the points are stored.
for (var epoch = 0; epoch < 50; epoch++)
{
    var loss = 2.0 * Math.Exp(-epoch / 15.0);
    using var logged = await http.PostAsJsonAsync($"api/runs/{runId}/metrics", new
    {
        points = new object[]
        {
            new { key = "train/loss", step = epoch, value = loss },
            new { key = "train/acc", step = epoch, value = 1 - loss / 2 },
        },
    });
    if (!logged.IsSuccessStatusCode)
        throw new InvalidOperationException($"logging failed: {(int)logged.StatusCode} {await logged.Content.ReadAsStringAsync()}");
    await Task.Delay(20);
}

// 4. End it once, with a summary.
using var ended = await http.PutAsJsonAsync($"api/runs/{runId}/status", new
{
    status = "Succeeded",
    summary = new Dictionary<string, double> { ["final_loss"] = 2.0 * Math.Exp(-49 / 15.0) },
});
ended.EnsureSuccessStatusCode();
await Task.Delay(500); // let the last live messages arrive
Console.WriteLine($"run {runId} Succeeded; {Volatile.Read(ref received)} points arrived live");

internal sealed record LivePoint(string Key, long Step, double? Value);
internal sealed record MetricsAppended(long RunId, List<LivePoint> Points);
