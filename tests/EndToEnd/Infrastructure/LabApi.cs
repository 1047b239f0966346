using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace LayerLab.Tests.EndToEnd.Infrastructure;

/// <summary>Small typed helpers over the portal's HTTP API for tests.</summary>
public static class LabApi
{
    public static readonly string[] FinishedStatuses = ["Succeeded", "Failed", "Cancelled"];

    public static async Task<(System.Net.HttpStatusCode Status, JsonElement Body)> PostJsonAsync(this HttpClient http, string path, object body)
    {
        using var response = await http.PostAsJsonAsync(new Uri(path, UriKind.Relative), body);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (response.StatusCode, json);
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient http, string path)
    {
        var text = await http.GetStringAsync(new Uri(path, UriKind.Relative));
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<long> SubmitAsync(this HttpClient http, object parameters, long seed = 7)
    {
        var (status, body) = await http.PostJsonAsync("/api/runs", new { experiment = "xor-prelu", parameters, seed });
        Assert.True(status == System.Net.HttpStatusCode.Created, $"submit returned {status}: {body}");
        return body.GetProperty("id").GetInt64();
    }

    /// <summary>Polls the run until its status is one of <paramref name="statuses"/>; fails with the last state seen.</summary>
    public static async Task<JsonElement> WaitForStatusAsync(this HttpClient http, long runId, TimeSpan timeout, params string[] statuses)
    {
        var watch = Stopwatch.StartNew();
        JsonElement run = default;
        while (watch.Elapsed < timeout)
        {
            run = await http.GetJsonAsync($"/api/runs/{runId}");
            if (statuses.Contains(run.GetProperty("status").GetString())) return run;
            await Task.Delay(100);
        }
        throw new TimeoutException($"run {runId} not in [{string.Join(",", statuses)}] after {timeout}: {run}");
    }
}
