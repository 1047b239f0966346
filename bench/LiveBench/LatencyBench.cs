using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace LayerLab.Bench.Live;

/// <summary>
/// Report → browser latency: <c>runs</c> external runs each POST one metric point <c>hz</c> times a second through the
/// HTTP API (POST /api/runs/{id}/metrics), while <c>viewers</c> SignalR connections each join every run's group (a
/// compare chart of all runs). Each point's value is the sender's clock (ms) at the moment it sends; a subscriber's
/// latency is its clock at receipt minus that value (one process, one monotonic clock). Points sent during the
/// warm-up are not counted.
/// </summary>
public static class LatencyBench
{
    private sealed record LivePoint(string Key, long Step, double? Value);
    private sealed record LiveBatch(long RunId, List<LivePoint> Points);

    /// <param name="batchMs">0: one POST per point (the worst case: 1,000 requests/s for 20 × 50 Hz). Otherwise each run
    /// buffers its points and POSTs them every <paramref name="batchMs"/> ms, as a logging client does (a point's
    /// latency then includes its time in that buffer).</param>
    public static async Task RunAsync(int runs, int hz, int viewers, double seconds, double warmupSeconds, int batchMs, string label)
    {
        await using var portal = await Portal.StartAsync(worker: false);
        var token = await portal.CreateTokenAsync();
        using var api = portal.TokenClient(token);

        var runIds = new List<long>();
        for (var r = 0; r < runs; r++)
        {
            using var response = await api.PostAsJsonAsync(new Uri("/api/runs/external", UriKind.Relative), new { name = $"latency-{r}" });
            response.EnsureSuccessStatusCode();
            runIds.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64());
        }

        var received = new ConcurrentBag<double>[viewers];
        var messages = 0L;
        var measureFrom = double.MaxValue;
        var connections = new List<HubConnection>();
        for (var v = 0; v < viewers; v++)
        {
            var bag = received[v] = [];
            var hub = new HubConnectionBuilder()
                .WithUrl(new Uri(portal.BaseAddress, "/hubs/runs"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
                .Build();
            hub.On<LiveBatch>("MetricsAppended", batch =>
            {
                var now = Stats.NowMs();
                Interlocked.Increment(ref messages);
                foreach (var p in batch.Points)
                    if (p.Value is { } sent && sent >= Volatile.Read(ref measureFrom)) bag.Add(now - sent);
            });
            await hub.StartAsync();
            foreach (var id in runIds) await hub.InvokeAsync("JoinRun", id);
            connections.Add(hub);
        }

        var cpuBefore = Stats.CpuSeconds(portal.Pid);
        var start = Stats.NowMs();
        Volatile.Write(ref measureFrom, start + (warmupSeconds * 1000));
        var end = start + ((warmupSeconds + seconds) * 1000);
        var sent = 0L; var failed = 0L; var sentMeasured = 0L;
        var rtts = new ConcurrentBag<double>();
        var periodMs = 1000.0 / hz;
        var senders = runIds.Select(async (id, index) =>
        {
            // Up to 8 reports of one run in flight: a run logs on its own schedule, it does not wait for the portal.
            using var inFlight = new SemaphoreSlim(8);
            var pending = new List<Task>();
            var uri = new Uri($"/api/runs/{id}/metrics", UriKind.Relative);
            var offset = index * periodMs / runIds.Count; // runs do not all report on the same millisecond
            var buffer = new StringBuilder();
            var buffered = 0;
            var firstInBuffer = 0.0;
            for (long step = 0; ; step++)
            {
                var due = start + offset + (step * periodMs);
                var last = due >= end;
                if (!last)
                {
                    var wait = due - Stats.NowMs();
                    if (wait > 1) await Task.Delay(TimeSpan.FromMilliseconds(wait));
                    var logged = Stats.NowMs();
                    if (buffered == 0) firstInBuffer = logged;
                    buffer.Append(buffered == 0 ? "" : ",").Append("{\"key\":\"latency\",\"step\":").Append(step)
                        .Append(",\"value\":").Append(logged.ToString("R", System.Globalization.CultureInfo.InvariantCulture)).Append('}');
                    buffered++;
                    if (batchMs > 0 && Stats.NowMs() - firstInBuffer < batchMs) continue;
                }
                if (buffered > 0)
                {
                    var body = $"{{\"points\":[{buffer}]}}";
                    var count = buffered;
                    var t0 = firstInBuffer;
                    buffer.Clear();
                    buffered = 0;
                    await inFlight.WaitAsync();
                    pending.Add(Task.Run(async () =>
                    {
                        try
                        {
                            using var content = new StringContent(body, Encoding.UTF8, "application/json");
                            using var response = await api.PostAsync(uri, content);
                            if (response.IsSuccessStatusCode)
                            {
                                Interlocked.Increment(ref sent);
                                if (t0 >= measureFrom) { Interlocked.Add(ref sentMeasured, count); rtts.Add(Stats.NowMs() - t0); }
                            }
                            else Interlocked.Increment(ref failed);
                        }
                        catch (HttpRequestException) { Interlocked.Increment(ref failed); }
                        finally { inFlight.Release(); }
                    }));
                }
                if (last) break;
            }
            await Task.WhenAll(pending);
        }).ToList();
        await Task.WhenAll(senders);
        var sendSeconds = (Stats.NowMs() - start) / 1000;
        await Task.Delay(3000); // let the last broadcasts arrive
        var cpu = Stats.CpuSeconds(portal.Pid) - cpuBefore;

        foreach (var hub in connections) await hub.DisposeAsync();

        var all = received.SelectMany(b => b).Order().ToList();
        var expected = Interlocked.Read(ref sentMeasured) * viewers; // every counted point, at every viewer
        var rttSorted = rtts.Order().ToList();
        var result = new
        {
            bench = "report_to_browser", label, runs, hz, viewers, seconds, batch_ms = batchMs,
            p50_ms = Stats.Percentile(all, 50), p90_ms = Stats.Percentile(all, 90), p99_ms = Stats.Percentile(all, 99),
            max_ms = all.Count > 0 ? all[^1] : double.NaN,
            delivered = all.Count, expected_approx = expected,
            post_p50_ms = Stats.Percentile(rttSorted, 50), post_p99_ms = Stats.Percentile(rttSorted, 99),
            requests_per_s = sent / sendSeconds, failed_posts = failed,
            hub_messages = Interlocked.Read(ref messages),
            portal_cpu_s_per_s = cpu / (sendSeconds + 3),
            load = Stats.LoadAverage(),
        };
        Stats.Emit(result);
        Console.Error.WriteLine($"report→browser {runs} runs × {hz} Hz (POST every {(batchMs == 0 ? "point" : batchMs + " ms")}), {viewers} viewers, {seconds}s: p50 {Stats.F(result.p50_ms)} ms, p99 {Stats.F(result.p99_ms)} ms, max {Stats.F(result.max_ms)} ms; " +
            $"delivered {all.Count}/{expected} ; POST p50 {Stats.F(result.post_p50_ms)} p99 {Stats.F(result.post_p99_ms)} ms; {Stats.F(result.requests_per_s)} requests/s; " +
            $"{result.hub_messages} hub messages; portal CPU {Stats.F(result.portal_cpu_s_per_s, 2)} cores; load {result.load}");
    }
}
