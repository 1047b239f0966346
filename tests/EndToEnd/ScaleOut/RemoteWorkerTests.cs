using System.Text.RegularExpressions;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Xunit.Abstractions;

namespace LayerLab.Tests.EndToEnd.ScaleOut;

/// <summary>
/// The portal (no in-process worker) and real worker processes on PostgreSQL Hangfire storage from a throw-away
/// cluster: runs are spread over the workers, each is trained to its end exactly once, and a worker killed with
/// kill -9 mid-run loses nothing (its run is trained again elsewhere, every metric point stored once) and, with a
/// shared checkpoint directory, resumes from its checkpoint on the other worker (RemoteWorkerTests.Resume.cs).
/// </summary>
[Collection(PortalCollection.Name)]
public sealed partial class RemoteWorkerTests(ScaleOutFixture fixture, ITestOutputHelper output) : IClassFixture<ScaleOutFixture>
{
    private static readonly object SmallRun = new { trials = 8, epochs = 150, lr_points = 2 };

    [Fact]
    public async Task Twenty_runs_on_two_workers_each_succeed_exactly_once_on_both()
    {
        await using var lab = await ScaleOutLab.StartAsync(fixture.Postgres, "hangfire_twenty", workers: 2);
        var ids = new List<long>();
        for (var seed = 1; seed <= 20; seed++) ids.Add(await lab.Portal.Http.SubmitAsync(SmallRun, seed));

        var workersSeen = new HashSet<string>();
        foreach (var id in ids)
        {
            var run = await lab.Portal.Http.WaitForStatusAsync(id, TimeSpan.FromSeconds(120), LabApi.FinishedStatuses);
            Assert.True(run.GetProperty("status").GetString() == "Succeeded", $"{run}\n{lab.Logs()}");
            Assert.Equal(1, run.GetProperty("attempt").GetInt32());
            Assert.Equal("cpu", run.GetProperty("device").GetString());
            workersSeen.Add(run.GetProperty("worker").GetString()!);
        }
        Assert.Equal(lab.Workers.Select(w => w.Name).Order(), workersSeen.Order());

        // Exactly once on the training side too: each run's "succeeded" line is in exactly one worker's log, once.
        var finished = await SucceededRunsAsync(lab.Workers, ids);
        Assert.Equal(ids.Order(), finished.Order());

        // Same parameters, so every run reported the same (metric, step) grid: stored once each, none missing.
        var reference = await lab.Sqlite.TrainingPointsAsync(ids[0]);
        Assert.NotEmpty(reference);
        foreach (var id in ids)
        {
            var points = await lab.Sqlite.TrainingPointsAsync(id);
            Assert.Equal(reference.Select(p => (p.Key, p.Step)), points.Select(p => (p.Key, p.Step)));
        }

        await TensorsCameThroughTheWorkerRouteAsync(lab, ids);
        await WorkerTokenIsForWorkerCallsOnlyAsync(lab);
        await RemoteRunShowsOnPagesAndCancelsAsync(lab, ids[0]);
    }

    /// <summary>xor-prelu logs θ and its decision surface at its report steps; a remote worker posts them through
    /// POST /api/workers/runs/{id}/tensors. Same parameters: every run has the same (key, step) grid, and each tensor
    /// reads back whole.</summary>
    private static async Task TensorsCameThroughTheWorkerRouteAsync(ScaleOutLab lab, List<long> ids)
    {
        static string Grid(System.Text.Json.JsonElement list) => string.Join(" ", list.GetProperty("tensors").EnumerateArray()
            .Select(t => $"{t.GetProperty("key").GetString()}@{string.Join(",", t.GetProperty("steps").EnumerateArray().Select(s => s.GetInt64()))}"));
        var reference = Grid(await lab.Portal.Http.GetJsonAsync($"/api/runs/{ids[0]}/tensors"));
        Assert.Contains("prelu.theta@", reference, StringComparison.Ordinal);
        Assert.Contains("prelu.surface@", reference, StringComparison.Ordinal);
        foreach (var id in ids) Assert.Equal(reference, Grid(await lab.Portal.Http.GetJsonAsync($"/api/runs/{id}/tensors")));
        var surface = await lab.Portal.Http.GetJsonAsync($"/api/runs/{ids[^1]}/tensors/prelu.surface");
        var shape = surface.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        Assert.Equal(shape[0] * shape[1], surface.GetProperty("data").GetArrayLength());
    }

    /// <summary>A worker token reaches /api/workers and nothing else; nobody else reaches /api/workers' run calls.</summary>
    private static async Task WorkerTokenIsForWorkerCallsOnlyAsync(ScaleOutLab lab)
    {
        using var worker = new HttpClient { BaseAddress = lab.Portal.BaseAddress };
        worker.DefaultRequestHeaders.Authorization = new("Bearer", lab.WorkerToken);
        using (var runs = await worker.GetAsync(new Uri("/api/runs", UriKind.Relative)))
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, runs.StatusCode);
        using (var tokens = await worker.GetAsync(new Uri("/api/tokens", UriKind.Relative)))
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, tokens.StatusCode);
        var (badBeat, problem) = await worker.PostJsonAsync("/api/workers/heartbeat", new { name = "", device = "cpu", queues = new[] { "cpu" }, slots = 1 });
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, badBeat);
        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _), problem.ToString());
        var (badResume, resumeProblem) = await worker.PostJsonAsync("/api/workers/runs/1/resumed", new { attempt = 1, step = -1 });
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, badResume);
        Assert.True(resumeProblem.GetProperty("errors").TryGetProperty("step", out _), resumeProblem.ToString());
        // The admin's own cookie session is no worker: claiming is for worker tokens only.
        var (claim, _) = await lab.Portal.Http.PostJsonAsync("/api/workers/runs/1/claim", new { worker = "someone", device = "cpu" });
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, claim);
    }

    /// <summary>The Workers page lists both workers and the run one of them trains; a cancel reaches the remote worker.</summary>
    private static async Task RemoteRunShowsOnPagesAndCancelsAsync(ScaleOutLab lab, long finishedRun)
    {
        var id = await lab.Portal.Http.SubmitAsync(new { trials = 64, epochs = 100_000, lr_points = 4 }, seed: 99);
        var running = await lab.Portal.Http.WaitForStatusAsync(id, TimeSpan.FromSeconds(60), "Running");
        var trainer = running.GetProperty("worker").GetString()!;

        await using var chromium = await Browser.ChromiumSession.LaunchAsync();
        var context = await chromium.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync(new Uri(lab.Portal.BaseAddress, "/workers").ToString());
        await page.Locator("#email").FillAsync(PortalProcess.AdminEmail);
        await page.Locator("#password").FillAsync(PortalProcess.AdminPassword);
        await page.GetByTestId("signin-submit").ClickAsync();
        await page.WaitForURLAsync("**/workers");
        var table = page.GetByTestId("workers-table");
        foreach (var worker in lab.Workers) await Microsoft.Playwright.Assertions.Expect(table).ToContainTextAsync(worker.Name);
        var row = table.Locator("tr", new() { HasText = trainer });
        await Microsoft.Playwright.Assertions.Expect(row).ToContainTextAsync($"#{id}");
        await Microsoft.Playwright.Assertions.Expect(row).ToContainTextAsync("cpu");
        await page.ScreenshotAsync(new() { Path = Path.Combine(RepoPaths.TestResults, "workers.png"), FullPage = true });

        var finished = await lab.Portal.Http.GetJsonAsync($"/api/runs/{finishedRun}");
        await page.GotoAsync(new Uri(lab.Portal.BaseAddress, $"/runs/{finishedRun}").ToString());
        await Microsoft.Playwright.Assertions.Expect(page.GetByTestId("run-worker")).ToHaveTextAsync($"{finished.GetProperty("worker").GetString()} · cpu");
        // Points posted by a remote worker chart like any others.
        await Microsoft.Playwright.Assertions.Expect(page.Locator("[data-testid=run-chart][data-state=ready]")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(RepoPaths.TestResults, "remote-run.png"), FullPage = true });
        await page.GotoAsync(new Uri(lab.Portal.BaseAddress, "/").ToString());
        await Microsoft.Playwright.Assertions.Expect(page.Locator($"tr.run-{id} [data-testid=run-worker]")).ToHaveTextAsync($"{trainer} · cpu");

        // An admin makes a worker token on the tokens page: the worker scope alone.
        await page.GotoAsync(new Uri(lab.Portal.BaseAddress, "/account/tokens").ToString());
        // Typing before the circuit is interactive is lost when it attaches (the form renders again, empty).
        await page.Locator("[data-testid=circuit][data-interactive=true]").WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Attached });
        await page.Locator("#token-name").FillAsync("gpu box");
        await page.GetByRole(Microsoft.Playwright.AriaRole.Checkbox, new() { Name = "worker", Exact = true }).CheckAsync();
        await page.GetByTestId("create-token").ClickAsync();
        await Microsoft.Playwright.Assertions.Expect(page.GetByTestId("new-token-value")).ToContainTextAsync("ll_");
        await Microsoft.Playwright.Assertions.Expect(page.GetByTestId("tokens-table").Locator("tr", new() { HasText = "gpu box" })).ToContainTextAsync("worker");
        await page.ScreenshotAsync(new() { Path = Path.Combine(RepoPaths.TestResults, "worker-token.png"), FullPage = true });

        using var cancel = await lab.Portal.Http.PostAsync(new Uri($"/api/runs/{id}/cancel", UriKind.Relative), null);
        var cancelled = await lab.Portal.Http.WaitForStatusAsync(id, TimeSpan.FromSeconds(10), LabApi.FinishedStatuses);
        Assert.True(cancelled.GetProperty("status").GetString() == "Cancelled", $"{cancelled}\n{lab.Logs()}");
    }

    [Fact]
    public async Task Worker_killed_mid_run_the_run_is_trained_again_elsewhere_and_ends_once()
    {
        await using var lab = await ScaleOutLab.StartAsync(fixture.Postgres, "hangfire_kill", workers: 2);
        var longer = new { trials = 64, epochs = 3000, lr_points = 4 };
        var id = await lab.Portal.Http.SubmitAsync(longer, seed: 11);

        // Kill the worker that trains it once some of its metric points are stored.
        var running = await lab.Portal.Http.WaitForStatusAsync(id, TimeSpan.FromSeconds(60), "Running");
        while (await lab.Sqlite.ScalarAsync($"SELECT COUNT(*) FROM MetricPoints WHERE RunId = {id}") == 0)
        {
            var now = await lab.Portal.Http.GetJsonAsync($"/api/runs/{id}");
            Assert.True(now.GetProperty("status").GetString() == "Running", $"run ended before the kill: {now}\n{lab.Logs()}");
            await Task.Delay(50);
        }
        var victimName = running.GetProperty("worker").GetString();
        var victim = lab.Workers.Single(w => w.Name == victimName);
        var survivor = lab.Workers.Single(w => w != victim);
        await victim.KillAsync();

        var run = await lab.Portal.Http.WaitForStatusAsync(id, TimeSpan.FromSeconds(120), LabApi.FinishedStatuses);
        Assert.True(run.GetProperty("status").GetString() == "Succeeded", $"{run}\n{lab.Logs()}");
        Assert.Equal(2, run.GetProperty("attempt").GetInt32());
        Assert.Equal(survivor.Name, run.GetProperty("worker").GetString());
        Assert.Single(await SucceededRunsAsync([survivor], [id]), r => r == id);

        // Every point stored once, and exactly the points (and values) of the same run trained without a kill.
        var twin = await lab.Portal.Http.SubmitAsync(longer, seed: 11);
        var twinRun = await lab.Portal.Http.WaitForStatusAsync(twin, TimeSpan.FromSeconds(120), LabApi.FinishedStatuses);
        Assert.Equal("Succeeded", twinRun.GetProperty("status").GetString());
        Assert.Equal(1, twinRun.GetProperty("attempt").GetInt32());
        var points = await lab.Sqlite.TrainingPointsAsync(id);
        Assert.NotEmpty(points);
        Assert.Equal(await lab.Sqlite.TrainingPointsAsync(twin), points);
    }

    /// <summary>The runs whose "succeeded" line the workers logged. A worker logs it just after the portal stored the
    /// end, so the API can say Succeeded a moment before the line reaches the log: wait (bounded) until every run in
    /// <paramref name="expected"/> has one, then return all of them (a run trained twice would show twice).</summary>
    private static async Task<List<long>> SucceededRunsAsync(IReadOnlyList<WorkerProcess> workers, IReadOnlyList<long> expected)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var found = workers.SelectMany(w => SucceededLine().Matches(w.Log))
                .Select(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            if (expected.All(found.Contains) || watch.Elapsed > TimeSpan.FromSeconds(15)) return found;
            await Task.Delay(100);
        }
    }

    [GeneratedRegex(@"Run (\d+) succeeded in")]
    private static partial Regex SucceededLine();
}
