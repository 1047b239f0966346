using System.Globalization;
using System.Net;
using System.Text;
using Hangfire;
using LayerLab.Data;
using LayerLab.Data.Metrics;
using LayerLab.Data.Review;
using LayerLab.Data.Runs;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LayerLab.Tests.EndToEnd.Datasets;

/// <summary>
/// Datasets beyond the single run (issue #18): a sweep checks and records every run's dataset as a run submitted alone
/// does, and the leaderboard never ranks runs on different data together. Its own portal (its own runs), worker off.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class DatasetSweepAndLeaderboardTests(DatasetsPortal fixture) : IClassFixture<DatasetsPortal>
{
    private async Task<(long Sweeps, long Runs, long Jobs)> CountsAsync()
    {
        var stats = fixture.Portal.Services.GetRequiredService<JobStorage>().GetMonitoringApi().GetStatistics();
        return (await fixture.Portal.Database.ScalarAsync("SELECT COUNT(*) FROM Sweeps"),
                await fixture.Portal.Database.ScalarAsync("SELECT COUNT(*) FROM Runs"),
                stats.Enqueued + stats.Scheduled + stats.Processing + stats.Succeeded + stats.Failed + stats.Deleted);
    }

    private async Task<(long Id, string Sha256)> UploadAsync(string name, string text)
    {
        var (status, body) = await DatasetsPortal.UploadAsync(fixture.Alice, Encoding.UTF8.GetBytes(text), name: name);
        Assert.True(status == HttpStatusCode.Created, body.ToString());
        return (body.GetProperty("id").GetInt64(), body.GetProperty("sha256").GetString()!);
    }

    [Fact]
    public async Task A_sweep_on_an_unknown_dataset_is_a_400_on_the_field_and_stores_and_queues_nothing()
    {
        var before = await CountsAsync();
        var (status, body) = await fixture.Alice.PostJsonAsync("/api/sweeps", new
        {
            experiment = "tiny-lm",
            parameters = new { dataset = 987_654, steps = 1 },
            sweep = new Dictionary<string, object> { ["layers"] = new { mode = "list", values = new[] { 1, 2 } } },
            seeds = 1,
        });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("987654", body.GetProperty("errors").GetProperty("parameters.dataset")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await CountsAsync());

        // Swept: one unknown value among good ones refuses the whole sweep, on the axis.
        var (good, _) = await UploadAsync("sweep-ok", "some text to train on\n");
        (status, body) = await fixture.Alice.PostJsonAsync("/api/sweeps", new
        {
            experiment = "tiny-lm",
            parameters = new { steps = 1 },
            sweep = new Dictionary<string, object> { ["dataset"] = new { mode = "list", values = new[] { good, 987_655 } } },
            seeds = 1,
        });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("987655", body.GetProperty("errors").GetProperty("sweep.dataset")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task Each_run_of_a_sweep_records_its_dataset_id_and_hash_and_the_default_as_its_concrete_version()
    {
        var (id, sha) = await UploadAsync("sweep-text", "the sweep trains on this\n");
        var (status, body) = await fixture.Alice.PostJsonAsync("/api/sweeps", new
        {
            experiment = "tiny-lm",
            parameters = new { steps = 1 },
            sweep = new Dictionary<string, object> { ["dataset"] = new { mode = "list", values = new[] { id, 0 } } },
            seeds = 1,
        });
        Assert.True(status == HttpStatusCode.Created, body.ToString());
        var sweepId = body.GetProperty("sweep").GetProperty("id").GetInt64();
        try
        {
            var factory = fixture.Portal.Services.GetRequiredService<IDbContextFactory<LabDbContext>>();
            await using var db = await factory.CreateDbContextAsync();
            var runs = await db.Runs.AsNoTracking().Where(r => r.SweepId == sweepId).OrderBy(r => r.Id).ToListAsync();
            var builtIn = await db.Datasets.AsNoTracking().SingleAsync(d => d.BuiltIn);
            Assert.Equal(2, runs.Count);
            var onUpload = Assert.Single(runs, r => r.DatasetId == id);
            Assert.Equal(sha, onUpload.DatasetSha256);
            var onDefault = Assert.Single(runs, r => r.DatasetId == builtIn.Id);
            Assert.Equal(builtIn.Sha256, onDefault.DatasetSha256);
            Assert.Contains($"\"dataset\":{builtIn.Id}", onDefault.ParametersJson, StringComparison.Ordinal);
        }
        finally
        {
            await fixture.Alice.PostJsonAsync($"/api/sweeps/{sweepId}/cancel", new { });
        }
    }

    [Fact]
    public async Task The_leaderboard_ranks_runs_on_one_dataset_hash_at_a_time_defaulting_to_the_most_used()
    {
        var (a, shaA) = await UploadAsync("board-a", "a longer, harder text for the board\n");
        var (b, shaB) = await UploadAsync("board-b", "aaaa\n");
        // On B (an easy text) the model looks far better: ranked together, B's row would come first.
        await AddSucceededAsync(a, shaA, layers: 1, 2.0, 2.2, 2.1);
        await AddSucceededAsync(a, shaA, layers: 2, 2.5);
        await AddSucceededAsync(b, shaB, layers: 1, 1.0, 1.1);

        // The default: A (4 runs against 2), from the aggregates and from the day buckets (a date filter).
        foreach (var query in new[] { "", "&days=30" })
        {
            var rows = await CsvRowsAsync(query);
            Assert.Equal(2, rows.Count);
            Assert.All(rows, row => Assert.EndsWith(shaA, row, StringComparison.Ordinal));
            Assert.All(rows, row => Assert.Contains($"\"\"dataset\"\":{a}", row, StringComparison.Ordinal));
            Assert.StartsWith("1,", rows[0], StringComparison.Ordinal);
            Assert.Contains("\"\"layers\"\":1", rows[0], StringComparison.Ordinal); // mean 2.1 before 2.5
        }
        foreach (var query in new[] { $"&dataset={shaB}", $"&dataset={shaB}&days=30" })
        {
            var rows = await CsvRowsAsync(query);
            var row = Assert.Single(rows);
            Assert.Contains($"\"\"dataset\"\":{b}", row, StringComparison.Ordinal);
            Assert.EndsWith(shaB, row, StringComparison.Ordinal);
        }
        using var bad = await fixture.Alice.GetAsync(new Uri("/api/leaderboard.csv?experiment=tiny-lm&metric=test_bpt&dataset=nothex", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    private async Task<List<string>> CsvRowsAsync(string query)
    {
        var csv = await fixture.Alice.GetStringAsync(new Uri($"/api/leaderboard.csv?experiment=tiny-lm&metric=test_bpt&review=any{query}", UriKind.Relative));
        return csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Skip(1).ToList();
    }

    /// <summary>Finished tiny-lm runs (one per best value) as a worker leaves them; the triggers keep the sums.</summary>
    private async Task AddSucceededAsync(long datasetId, string sha256, int layers, params double[] bests)
    {
        var factory = fixture.Portal.Services.GetRequiredService<IDbContextFactory<LabDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var now = DateTimeOffset.UtcNow;
        foreach (var best in bests)
        {
            var run = new Run
            {
                ExperimentKey = "tiny-lm", ParametersJson = string.Create(CultureInfo.InvariantCulture, $"{{\"dataset\":{datasetId},\"layers\":{layers}}}"),
                Status = RunStatus.Succeeded, QueuedAt = now.AddMinutes(-2), StartedAt = now.AddMinutes(-1), FinishedAt = now,
                DatasetId = datasetId, DatasetSha256 = sha256, ReviewState = ReviewState.Unreviewed,
            };
            db.Runs.Add(run);
            await db.SaveChangesAsync();
            db.LatestMetrics.Add(new LatestMetric { RunId = run.Id, Key = "test_bpt", Step = 10, Value = best, Min = best, Max = best + 1 });
            await db.SaveChangesAsync();
        }
    }
}
