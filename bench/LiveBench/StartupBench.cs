using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace LayerLab.Bench.Live;

/// <summary>
/// Cold start (process start → /health 200 → sign-in page 200), idle RSS after start, enqueue → training starts on an
/// idle in-process worker (xor-prelu runs submitted one at a time over HTTP), and RSS after those runs.
/// </summary>
public static class StartupBench
{
    private sealed record RunUpdated(long RunId, JsonElement Status);

    public static async Task RunAsync(int starts, int runs, string parametersJson, string label)
    {
        for (var i = 1; i <= starts; i++)
        {
            await using var portal = await Portal.StartAsync(worker: true);
            // A signed-in visit to the home page (the Blazor app), then idle: what the portal holds when nobody trains.
            using (var home = await portal.Admin.GetAsync(new Uri("/", UriKind.Relative))) home.EnsureSuccessStatusCode();
            await Task.Delay(3000);
            var rssIdle = portal.RssMiB();
            Stats.Emit(new { bench = "cold_start", label, start = i, to_health_ms = portal.ToHealthy.TotalMilliseconds, to_first_page_ms = portal.ToFirstPage.TotalMilliseconds, cpu_to_health_s = portal.CpuToHealthy, idle_rss_mib = rssIdle, libtorch_loaded_idle = portal.LibtorchLoaded(),
                glibc_tunables = Environment.GetEnvironmentVariable("GLIBC_TUNABLES") ?? "", load = Stats.LoadAverage() });
            Console.Error.WriteLine($"cold start {i}: /health {Stats.F(portal.ToHealthy.TotalMilliseconds, 0)} ms, first page {Stats.F(portal.ToFirstPage.TotalMilliseconds, 0)} ms, {Stats.F(portal.CpuToHealthy, 2)} CPU s to /health, idle RSS {Stats.F(rssIdle)} MiB, libtorch {(portal.LibtorchLoaded() ? "loaded" : "not loaded")}");
            if (i == starts && runs > 0) await EnqueueToStartAsync(portal, runs, parametersJson, label, rssIdle);
        }
    }

    private static async Task EnqueueToStartAsync(Portal portal, int runs, string parametersJson, string label, double rssIdle)
    {
        var token = await portal.CreateTokenAsync();
        using var api = portal.TokenClient(token);
        var running = new ConcurrentDictionary<long, TaskCompletionSource<double>>();
        var finished = new ConcurrentDictionary<long, TaskCompletionSource>();
        TaskCompletionSource<double> RunningOf(long id) => running.GetOrAdd(id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        TaskCompletionSource FinishedOf(long id) => finished.GetOrAdd(id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(portal.BaseAddress, "/hubs/runs"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        hub.On<RunUpdated>("RunUpdated", m =>
        {
            var now = Stats.NowMs();
            var status = m.Status.ValueKind == JsonValueKind.Number ? m.Status.GetInt32() : -1;
            var name = m.Status.ValueKind == JsonValueKind.String ? m.Status.GetString() : null;
            if (status == 1 || name == "Running") RunningOf(m.RunId).TrySetResult(now);
            if (status >= 2 || name is "Succeeded" or "Failed" or "Cancelled") { RunningOf(m.RunId).TrySetResult(now); FinishedOf(m.RunId).TrySetResult(); }
        });
        await hub.StartAsync();
        await hub.InvokeAsync("JoinAllRuns");

        var clientMs = new List<double>();
        var serverMs = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            await Task.Delay(500); // the worker is idle when the run arrives
            var t0 = Stats.NowMs();
            using var content = new StringContent($"{{\"experiment\":\"xor-prelu\",\"parameters\":{parametersJson},\"seed\":{i + 1}}}", System.Text.Encoding.UTF8, "application/json");
            using var response = await api.PostAsync(new Uri("/api/runs", UriKind.Relative), content);
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"submit: {(int)response.StatusCode} {text}");
            var id = JsonDocument.Parse(text).RootElement.GetProperty("id").GetInt64();
            var startedAt = await RunningOf(id).Task.WaitAsync(TimeSpan.FromSeconds(60));
            await FinishedOf(id).Task.WaitAsync(TimeSpan.FromSeconds(120));
            var run = JsonDocument.Parse(await api.GetStringAsync(new Uri($"/api/runs/{id}", UriKind.Relative))).RootElement;
            var server = (run.GetProperty("startedAt").GetDateTimeOffset() - run.GetProperty("queuedAt").GetDateTimeOffset()).TotalMilliseconds;
            clientMs.Add(startedAt - t0);
            serverMs.Add(server);
            Console.Error.WriteLine($"run {id}: submit → Running pushed {Stats.F(startedAt - t0)} ms, queuedAt → startedAt {Stats.F(server)} ms, {run.GetProperty("status").GetString()}");
        }
        await Task.Delay(3000);
        var rssAfter = portal.RssMiB();
        var c = clientMs.Order().ToList();
        var s = serverMs.Order().ToList();
        Stats.Emit(new
        {
            bench = "enqueue_to_start", label, runs,
            submit_to_running_p50_ms = Stats.Percentile(c, 50), submit_to_running_p90_ms = Stats.Percentile(c, 90), submit_to_running_max_ms = c[^1],
            queued_to_started_p50_ms = Stats.Percentile(s, 50), queued_to_started_max_ms = s[^1],
            rss_idle_mib = rssIdle, rss_after_runs_mib = rssAfter, load = Stats.LoadAverage(),
            glibc_tunables = Environment.GetEnvironmentVariable("GLIBC_TUNABLES") ?? "",
        });
        Console.Error.WriteLine($"enqueue→start over {runs} runs: submit→Running p50 {Stats.F(Stats.Percentile(c, 50))} ms (max {Stats.F(c[^1])}), queuedAt→startedAt p50 {Stats.F(Stats.Percentile(s, 50))} ms; RSS idle {Stats.F(rssIdle)} → after runs {Stats.F(rssAfter)} MiB");
    }
}
