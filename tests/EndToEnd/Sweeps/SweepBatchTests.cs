using System.Diagnostics;
using System.Net;
using System.Text.Json;
using LayerLab.Tests.EndToEnd.Infrastructure;

namespace LayerLab.Tests.EndToEnd.Sweeps;

/// <summary>Seeds trained together (ISeedBatchedExperiment) on a real portal: one Hangfire job per sweep configuration,
/// every seed still its own run with its own metrics; and with batching off, one job per run as before.</summary>
[Collection(PortalCollection.Name)]
public sealed class SweepBatchTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    private HttpClient Http => fixture.Portal.Http;
    private TempDatabase Database => fixture.Database;

    [Fact]
    public async Task Each_configurations_seeds_train_in_one_job_and_end_as_separate_succeeded_runs()
    {
        var id = await SubmitAsync(new
        {
            experiment = "xor-prelu",
            parameters = new { trials = 5, lr_points = 3 },
            sweep = new Dictionary<string, object> { ["epochs"] = new { mode = "list", values = new[] { 20, 40 } } },
            seeds = 3,
            seed = 200,
            batchSeeds = true,
        });
        var sweep = await WaitForSucceededAsync(id, 6);
        Assert.True(sweep.GetProperty("definition").GetProperty("batchSeeds").GetBoolean());

        // Two configurations → two batch keys and two Hangfire jobs, each job shared by exactly its configuration's 3 runs.
        Assert.Equal(2, await Database.ScalarAsync($"SELECT COUNT(DISTINCT BatchKey) FROM Runs WHERE SweepId = {id}"));
        Assert.Equal(2, await Database.ScalarAsync($"SELECT COUNT(DISTINCT HangfireJobId) FROM Runs WHERE SweepId = {id}"));
        Assert.Equal(2, await Database.ScalarAsync(
            $"SELECT COUNT(*) FROM (SELECT BatchKey FROM Runs WHERE SweepId = {id} GROUP BY BatchKey " +
            "HAVING COUNT(*) = 3 AND COUNT(DISTINCT HangfireJobId) = 1 AND COUNT(DISTINCT Seed) = 3 AND COUNT(DISTINCT ParametersJson) = 1)"));
        Assert.Equal(0, await Database.ScalarAsync($"SELECT COUNT(*) FROM Runs WHERE SweepId = {id} AND HangfireJobId IS NULL"));

        // Each run has its own summary and its own live metrics (seeds differ, so their summaries do).
        Assert.Equal(6, await Database.ScalarAsync($"SELECT COUNT(DISTINCT SummaryJson) FROM Runs WHERE SweepId = {id}"));
        var runIds = sweep.GetProperty("configurations").EnumerateArray()
            .SelectMany(r => r.GetProperty("runIds").EnumerateArray().Select(e => e.GetInt64())).ToList();
        Assert.Equal(6, runIds.Count);
        foreach (var runId in runIds)
        {
            var points = await Database.PointsAsync(runId);
            Assert.Contains(points, p => p.Key == "loss/prelu");
            Assert.Contains(points, p => p.Key == "success/mlp");
        }
        Assert.All(sweep.GetProperty("configurations").EnumerateArray(), r => Assert.Equal(3, r.GetProperty("n").GetInt32()));
        Assert.Contains("trained together", fixture.Portal.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_batching_off_every_seed_is_its_own_job()
    {
        var id = await SubmitAsync(new
        {
            experiment = "xor-prelu",
            parameters = new { trials = 5, lr_points = 3, epochs = 20 },
            seeds = 3,
            seed = 300,
            batchSeeds = false,
        });
        var sweep = await WaitForSucceededAsync(id, 3);
        Assert.False(sweep.GetProperty("definition").GetProperty("batchSeeds").GetBoolean());
        Assert.Equal(3, await Database.ScalarAsync($"SELECT COUNT(*) FROM Runs WHERE SweepId = {id} AND BatchKey IS NULL"));
        Assert.Equal(3, await Database.ScalarAsync($"SELECT COUNT(DISTINCT HangfireJobId) FROM Runs WHERE SweepId = {id}"));
    }

    [Fact]
    public async Task Experiments_that_cannot_batch_default_to_one_job_per_run()
    {
        var id = await SubmitAsync(new
        {
            experiment = "icl-linreg",
            parameters = new { },
            seeds = 2,
        });
        var created = await Http.GetJsonAsync($"/api/sweeps/{id}");
        Assert.False(created.GetProperty("definition").GetProperty("batchSeeds").GetBoolean());
        Assert.Equal(2, await Database.ScalarAsync($"SELECT COUNT(*) FROM Runs WHERE SweepId = {id} AND BatchKey IS NULL"));
        // Leave the shared worker free for the other tests.
        await Http.PostJsonAsync($"/api/sweeps/{id}/cancel", new { });
        await WaitForAsync(id, s => s.GetProperty("sweep").GetProperty("progress").GetProperty("cancelled").GetInt32() == 2);
    }

    private async Task<long> SubmitAsync(object body)
    {
        var (status, created) = await Http.PostJsonAsync("/api/sweeps", body);
        Assert.True(status == HttpStatusCode.Created, created.ToString());
        return created.GetProperty("sweep").GetProperty("id").GetInt64();
    }

    private async Task<JsonElement> WaitForSucceededAsync(long id, int runs)
    {
        var sweep = await WaitForAsync(id, s => s.GetProperty("sweep").GetProperty("progress").GetProperty("status").GetString() is "Succeeded" or "Finished with failures");
        Assert.True(sweep.GetProperty("sweep").GetProperty("progress").GetProperty("succeeded").GetInt32() == runs, $"{sweep}\n{fixture.Portal.Log}");
        return sweep;
    }

    private async Task<JsonElement> WaitForAsync(long id, Func<JsonElement, bool> done)
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
