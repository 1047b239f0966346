using System.Collections.Concurrent;
using System.Net;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace LayerLab.Tests.EndToEnd.Integration;

/// <summary>The path of one run through the real portal process: HTTP submit → SQLite → Hangfire → TorchSharp → SignalR.</summary>
[Collection(PortalCollection.Name)]
public sealed class RunLifecycleTests : IAsyncLifetime
{
    private static readonly object SmallRun = new { trials = 20, epochs = 120, lr_points = 5 };
    private readonly TempDatabase _db = new();
    private PortalProcess _portal = null!;

    public async Task InitializeAsync() => _portal = await PortalProcess.StartAsync(_db.FilePath);

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        _db.Dispose();
    }

    public sealed record Point(string Key, long Step, double Value);
    public sealed record MetricsAppended(long RunId, List<Point> Points);

    [Fact]
    public async Task Submitted_run_trains_to_Succeeded_and_every_streamed_point_is_stored_exactly_once()
    {
        var pushed = new ConcurrentBag<Point>();
        var token = await _portal.Http.CreateTokenAsync("hub-test", "read");
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(_portal.BaseAddress, "/hubs/runs"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        hub.On<MetricsAppended>("MetricsAppended", m => { foreach (var p in m.Points) pushed.Add(p); });
        await hub.StartAsync();
        // The one worker is busy with a long run, so ours waits in the queue while we join its group:
        // then not a single point can be reported before we listen.
        var blocker = await _portal.Http.SubmitAsync(new { trials = 1000, epochs = 100000 });
        await _portal.Http.WaitForStatusAsync(blocker, TimeSpan.FromSeconds(30), "Running");
        var id = await _portal.Http.SubmitAsync(SmallRun);
        await hub.InvokeAsync("JoinRun", id);
        using (var cancel = await _portal.Http.PostAsync(new Uri($"/api/runs/{blocker}/cancel", UriKind.Relative), null))
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var run = await _portal.Http.WaitForStatusAsync(id, TimeSpan.FromSeconds(90), LabApi.FinishedStatuses);
        Assert.True(run.GetProperty("status").GetString() == "Succeeded", $"run ended {run}\n{_portal.Log}");
        Assert.Equal(1, run.GetProperty("attempt").GetInt32());
        Assert.Equal("cpu", run.GetProperty("device").GetString());
        Assert.True(run.GetProperty("summary").EnumerateObject().Any(), "summary is empty");

        var all = await _db.PointsAsync(id);
        // The worker's system metrics (seconds since training started, their own clock) are checked apart.
        Assert.Contains(all, p => p.Key == "system/cpu_percent");
        Assert.Contains(all, p => p.Key == "system/rss_mb");
        var stored = all.Where(p => !p.Key.StartsWith("system/", StringComparison.Ordinal)).ToList();
        // What xor-prelu is known to report (not what was broadcast: a point lost before storage is in neither):
        // loss/ and success/ of each of its 4 models every 5 epochs (report_every = max(5, ⌈epochs/200⌉)) and at
        // the last epoch, steps 0, 5, …, 120. Every one of them is stored exactly once.
        string[] models = ["prelu", "prelu_bias", "mlp", "gcu"];
        var expected = (from key in models.SelectMany(m => new[] { $"loss/{m}", $"success/{m}" })
                        from step in Enumerable.Range(0, (120 / 5) + 1).Select(i => i * 5L)
                        select (key, step)).Order().ToList();
        Assert.Equal(expected, stored.Select(p => (p.Key, p.Step)).Order());
        // Every stored point was broadcast once, and nothing else was.
        await WaitUntilAsync(() => pushed.Count >= expected.Count, TimeSpan.FromSeconds(5));
        Assert.Equal(expected, pushed.Where(p => !p.Key.StartsWith("system/", StringComparison.Ordinal)).Select(p => (p.Key, p.Step)).Order());

        // The latest-value table holds the last step of every metric.
        var keys = stored.Select(p => p.Key).Distinct().Count();
        Assert.Equal(0, await _db.ScalarAsync($"SELECT COUNT(*) FROM MetricPoints WHERE RunId NOT IN ({id}, {blocker})"));
        Assert.Equal(keys, await _db.ScalarAsync($"SELECT COUNT(*) FROM LatestMetrics WHERE RunId = {id} AND Key NOT LIKE 'system/%'"));
        var lastStep = stored.Max(p => p.Step);
        Assert.Equal(keys, await _db.ScalarAsync($"SELECT COUNT(*) FROM LatestMetrics WHERE RunId = {id} AND Step = {lastStep} AND Key NOT LIKE 'system/%'"));

        // ... and each metric's extremes over the whole history (what leaderboards rank by).
        Assert.Equal(0, await _db.ScalarAsync($"""
            SELECT COUNT(*) FROM LatestMetrics l WHERE l.RunId = {id} AND (
                l.Min IS NOT (SELECT MIN(Value) FROM MetricPoints p WHERE p.RunId = l.RunId AND p.Key = l.Key) OR
                l.Max IS NOT (SELECT MAX(Value) FROM MetricPoints p WHERE p.RunId = l.RunId AND p.Key = l.Key))
            """));

        // The HTTP metrics endpoint returns the same history the chart reads.
        var metrics = await _portal.Http.GetJsonAsync($"/api/runs/{id}/metrics");
        Assert.Equal(all.Count, metrics.GetProperty("series").EnumerateObject().Sum(s => s.Value.GetProperty("steps").GetArrayLength()));
    }

    [Fact]
    public async Task Joining_the_group_of_a_run_that_does_not_exist_is_refused()
    {
        var token = await _portal.Http.CreateTokenAsync("hub-test", "read");
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(_portal.BaseAddress, "/hubs/runs"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        await hub.StartAsync();
        var error = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("JoinRun", 424242L));
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_submission_gets_field_errors_and_nothing_is_stored_or_queued()
    {
        var (status, body) = await _portal.Http.PostJsonAsync("/api/runs",
            new { experiment = "xor-prelu", parameters = new { epochs = -5, lr_max = "NaN", bogus = 1, optimizer = "rmsprop" }, seed = 1 });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = body.GetProperty("errors");
        foreach (var field in new[] { "parameters.epochs", "parameters.lr_max", "parameters.bogus", "parameters.optimizer" })
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");

        var (unknown, unknownBody) = await _portal.Http.PostJsonAsync("/api/runs", new { experiment = "no-such-thing", parameters = new { } });
        Assert.Equal(HttpStatusCode.BadRequest, unknown);
        Assert.True(unknownBody.GetProperty("errors").TryGetProperty("experiment", out _));

        var (extra, _) = await _portal.Http.PostJsonAsync("/api/runs", new { experiment = "xor-prelu", parameters = new { }, hack = true });
        Assert.Equal(HttpStatusCode.BadRequest, extra);

        Assert.Equal(0, await _db.ScalarAsync("SELECT COUNT(*) FROM Runs"));
    }

    [Fact]
    public async Task Cancel_stops_a_running_run_within_five_seconds_and_it_stays_cancelled()
    {
        var id = await _portal.Http.SubmitAsync(new { trials = 1000, epochs = 100000 });
        await _portal.Http.WaitForStatusAsync(id, TimeSpan.FromSeconds(30), "Running");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var response = await _portal.Http.PostAsync(new Uri($"/api/runs/{id}/cancel", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var run = await _portal.Http.WaitForStatusAsync(id, TimeSpan.FromSeconds(5), LabApi.FinishedStatuses);
        Assert.Equal("Cancelled", run.GetProperty("status").GetString());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        await Task.Delay(1500);
        Assert.Equal("Cancelled", (await _portal.Http.GetJsonAsync($"/api/runs/{id}")).GetProperty("status").GetString());
        Assert.Equal(1, (await _portal.Http.GetJsonAsync($"/api/runs/{id}")).GetProperty("attempt").GetInt32());
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!condition() && watch.Elapsed < timeout) await Task.Delay(50);
    }
}
