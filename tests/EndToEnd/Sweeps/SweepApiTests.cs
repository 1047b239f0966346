using System.Diagnostics;
using System.Net;
using System.Text.Json;
using LayerLab.Tests.EndToEnd.Infrastructure;

namespace LayerLab.Tests.EndToEnd.Sweeps;

/// <summary>Sweeps over HTTP against one real portal: preview, refusals that store nothing, a sweep that trains to the
/// end with every run linked, and the sweep-wide cancel / re-queue actions.</summary>
[Collection(PortalCollection.Name)]
public sealed class SweepApiTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    private HttpClient Http => fixture.Portal.Http;

    private static object SmallBase => new { trials = 5, lr_points = 3 };

    private async Task<(long Sweeps, long Runs)> CountsAsync() =>
        (await fixture.Database.ScalarAsync("SELECT COUNT(*) FROM Sweeps"), await fixture.Database.ScalarAsync("SELECT COUNT(*) FROM Runs"));

    [Fact]
    public async Task Preview_counts_configurations_and_runs_without_storing_anything()
    {
        var before = await CountsAsync();
        var (status, body) = await Http.PostJsonAsync("/api/sweeps/preview", new
        {
            experiment = "xor-prelu",
            parameters = SmallBase,
            sweep = new Dictionary<string, object>
            {
                ["optimizer"] = new { mode = "list", values = new[] { "adam", "sgd" } },
                ["init_scale"] = new { mode = "log", start = 0.1, stop = 10, count = 3 },
                ["epochs"] = new { mode = "random", start = 10, stop = 1000, count = 4, logUniform = true },
            },
            seeds = 3,
            seed = 5,
        });
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Equal(24, body.GetProperty("configurations").GetInt32());
        Assert.Equal(72, body.GetProperty("runs").GetInt64());
        Assert.Equal(1000, body.GetProperty("maxRuns").GetInt32());
        Assert.Equal(before, await CountsAsync());
    }

    [Theory]
    [InlineData("""{"experiment":"xor-prelu","sweep":{"epochs":{"mode":"list","values":[10,0]}}}""", "sweep.epochs")]
    [InlineData("""{"experiment":"xor-prelu","sweep":{"nope":{"mode":"list","values":[1]}}}""", "sweep.nope")]
    [InlineData("""{"experiment":"xor-prelu","sweep":{"epochs":{"mode":"cubic","start":1,"stop":2,"count":2}}}""", "sweep.epochs.mode")]
    [InlineData("""{"experiment":"xor-prelu","sweep":{"init_scale":{"mode":"log","start":0,"stop":2,"count":2}}}""", "sweep.init_scale")]
    [InlineData("""{"experiment":"xor-prelu","parameters":{"trials":0},"sweep":{"epochs":{"mode":"list","values":[10]}}}""", "parameters.trials")]
    [InlineData("""{"experiment":"xor-prelu","sweep":{"epochs":{"mode":"linear","start":1,"stop":100,"count":100}},"seeds":20}""", "sweep")]
    [InlineData("""{"experiment":"nope","seeds":2}""", "experiment")]
    [InlineData("""{"experiment":"xor-prelu","seeds":0}""", "seeds")]
    [InlineData("""{"experiment":"icl-linreg","seeds":2,"batchSeeds":true}""", "batchSeeds")]
    public async Task Bad_sweeps_are_400_with_the_field_named_and_nothing_stored(string json, string field)
    {
        var before = await CountsAsync();
        foreach (var path in new[] { "/api/sweeps/preview", "/api/sweeps" })
        {
            using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
            using var response = await Http.PostAsync(new Uri(path, UriKind.Relative), content);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {response.StatusCode} {text}");
            var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
            Assert.True(errors.TryGetProperty(field, out var messages), $"{path}: no error on {field}: {text}");
            Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()));
        }
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task Over_the_cap_says_how_many_runs_and_the_cap()
    {
        var (status, body) = await Http.PostJsonAsync("/api/sweeps", new
        {
            experiment = "xor-prelu",
            sweep = new Dictionary<string, object> { ["epochs"] = new { mode = "linear", start = 1, stop = 1000, count = 500 } },
            seeds = 3,
        });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("This sweep makes 1,500 runs (500 configurations × 3 seeds); the cap is 1,000 runs per sweep.",
            body.GetProperty("errors").GetProperty("sweep")[0].GetString());
    }

    [Fact]
    public async Task A_small_sweep_trains_to_the_end_with_every_run_linked_and_its_table_aggregated()
    {
        var (status, created) = await Http.PostJsonAsync("/api/sweeps", new
        {
            experiment = "xor-prelu",
            name = "api sweep",
            parameters = SmallBase,
            sweep = new Dictionary<string, object> { ["epochs"] = new { mode = "list", values = new[] { 20, 40 } } },
            seeds = 2,
            seed = 100,
        });
        Assert.True(status == HttpStatusCode.Created, created.ToString());
        var id = created.GetProperty("sweep").GetProperty("id").GetInt64();
        Assert.Equal("api sweep", created.GetProperty("sweep").GetProperty("name").GetString());
        Assert.Equal(4, created.GetProperty("sweep").GetProperty("runs").GetInt32());
        Assert.Equal(4, await fixture.Database.ScalarAsync($"SELECT COUNT(*) FROM Runs WHERE SweepId = {id}"));
        Assert.Equal(2, await fixture.Database.ScalarAsync($"SELECT COUNT(DISTINCT Seed) FROM Runs WHERE SweepId = {id}"));

        var sweep = await WaitForSweepAsync(id, s => s.GetProperty("sweep").GetProperty("progress").GetProperty("status").GetString() is "Succeeded" or "Finished with failures");
        var progress = sweep.GetProperty("sweep").GetProperty("progress");
        Assert.True(progress.GetProperty("succeeded").GetInt32() == 4, $"{sweep}\n{fixture.Portal.Log}");
        Assert.Equal("band_decades/prelu", sweep.GetProperty("metric").GetString());
        Assert.Equal(["epochs"], sweep.GetProperty("swept").EnumerateArray().Select(e => e.GetString()));
        var rows = sweep.GetProperty("configurations").EnumerateArray().ToList();
        Assert.Equal([20L, 40L], rows.Select(r => r.GetProperty("parameters").GetProperty("epochs").GetInt64()));
        Assert.All(rows, r => Assert.Equal(2, r.GetProperty("n").GetInt32()));
        Assert.All(rows, r => Assert.Equal(JsonValueKind.Number, r.GetProperty("mean").ValueKind));
        Assert.Single(rows, r => r.GetProperty("best").GetBoolean());
        // Every run the table names belongs to the sweep.
        var runIds = rows.SelectMany(r => r.GetProperty("runIds").EnumerateArray().Select(e => e.GetInt64())).Order().ToList();
        Assert.Equal(4, runIds.Count);
        foreach (var runId in runIds)
            Assert.Equal(id, await fixture.Database.ScalarAsync($"SELECT SweepId FROM Runs WHERE Id = {runId}"));

        var list = await Http.GetJsonAsync("/api/sweeps");
        Assert.Contains(list.EnumerateArray(), s => s.GetProperty("id").GetInt64() == id);
    }

    [Fact]
    public async Task Cancel_all_stops_every_unfinished_run_and_requeue_queues_them_again()
    {
        // Long runs: the one worker is busy with the first while the rest wait.
        var (status, created) = await Http.PostJsonAsync("/api/sweeps", new
        {
            experiment = "xor-prelu",
            parameters = new { trials = 1000, lr_points = 3, epochs = 100000 },
            sweep = new Dictionary<string, object> { ["init_scale"] = new { mode = "list", values = new[] { 0.5, 1.0 } } },
            seeds = 2,
        });
        Assert.True(status == HttpStatusCode.Created, created.ToString());
        var id = created.GetProperty("sweep").GetProperty("id").GetInt64();

        var (cancelStatus, cancelled) = await Http.PostJsonAsync($"/api/sweeps/{id}/cancel", new { });
        Assert.Equal(HttpStatusCode.OK, cancelStatus);
        Assert.Equal(4, cancelled.GetProperty("runs").GetInt32());
        await WaitForSweepAsync(id, s => s.GetProperty("sweep").GetProperty("progress").GetProperty("cancelled").GetInt32() == 4);

        var (requeueStatus, requeued) = await Http.PostJsonAsync($"/api/sweeps/{id}/requeue", new { });
        Assert.Equal(HttpStatusCode.OK, requeueStatus);
        Assert.Equal(4, requeued.GetProperty("runs").GetInt32());
        var again = await Http.GetJsonAsync($"/api/sweeps/{id}");
        var progress = again.GetProperty("sweep").GetProperty("progress");
        Assert.Equal(0, progress.GetProperty("cancelled").GetInt32());
        Assert.Equal(4, progress.GetProperty("queued").GetInt32() + progress.GetProperty("running").GetInt32());
        // Same runs, not new ones.
        Assert.Equal(4, await fixture.Database.ScalarAsync($"SELECT COUNT(*) FROM Runs WHERE SweepId = {id}"));

        // Leave the shared worker free for the other tests.
        await Http.PostJsonAsync($"/api/sweeps/{id}/cancel", new { });
        await WaitForSweepAsync(id, s => s.GetProperty("sweep").GetProperty("progress").GetProperty("cancelled").GetInt32() == 4);
    }

    [Fact]
    public async Task Viewers_may_read_but_not_submit_and_only_the_author_or_an_admin_acts_on_a_sweep()
    {
        const string password = "user-password-1";
        await Http.CreateUserAsync("sweep-viewer@lab.test", password, "Viewer");
        await Http.CreateUserAsync("sweep-author@lab.test", password, "Researcher");
        await Http.CreateUserAsync("sweep-colleague@lab.test", password, "Reviewer");
        var viewer = await fixture.Portal.SignInAsync("sweep-viewer@lab.test", password);
        var author = await fixture.Portal.SignInAsync("sweep-author@lab.test", password);
        var colleague = await fixture.Portal.SignInAsync("sweep-colleague@lab.test", password);
        var body = new
        {
            experiment = "xor-prelu",
            parameters = new { trials = 1000, lr_points = 3, epochs = 100000 },
            sweep = new Dictionary<string, object> { ["init_scale"] = new { mode = "list", values = new[] { 0.5 } } },
        };

        var before = await CountsAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostJsonAsync("/api/sweeps", body)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostJsonAsync("/api/sweeps/preview", body)).Status);
        Assert.Equal(before, await CountsAsync());
        var (status, created) = await author.PostJsonAsync("/api/sweeps", body);
        Assert.Equal(HttpStatusCode.Created, status);
        var id = created.GetProperty("sweep").GetProperty("id").GetInt64();
        Assert.Equal(id, (await viewer.GetJsonAsync($"/api/sweeps/{id}")).GetProperty("sweep").GetProperty("id").GetInt64());

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostJsonAsync($"/api/sweeps/{id}/cancel", new { })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await colleague.PostJsonAsync($"/api/sweeps/{id}/cancel", new { })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await colleague.PostJsonAsync($"/api/sweeps/{id}/requeue", new { })).Status);
        var (cancelStatus, cancelled) = await Http.PostJsonAsync($"/api/sweeps/{id}/cancel", new { }); // admin
        Assert.Equal(HttpStatusCode.OK, cancelStatus);
        Assert.Equal(1, cancelled.GetProperty("runs").GetInt32());
        await WaitForSweepAsync(id, s => s.GetProperty("sweep").GetProperty("progress").GetProperty("cancelled").GetInt32() == 1);
    }

    [Fact]
    public async Task Unknown_sweep_is_404()
    {
        using var response = await Http.GetAsync(new Uri("/api/sweeps/999999", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task<JsonElement> WaitForSweepAsync(long id, Func<JsonElement, bool> done)
    {
        var watch = Stopwatch.StartNew();
        JsonElement sweep = default;
        while (watch.Elapsed < TimeSpan.FromSeconds(120))
        {
            sweep = await Http.GetJsonAsync($"/api/sweeps/{id}");
            if (done(sweep)) return sweep;
            await Task.Delay(200);
        }
        throw new TimeoutException($"sweep {id} not done: {sweep}\n{fixture.Portal.Log}");
    }
}
