using LayerLab.Data;
using LayerLab.Data.Leaderboard;
using LayerLab.Data.Metrics;
using LayerLab.Data.Runs;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Tests.Unit.Leaderboard;

/// <summary>Ranking and seed aggregation on a real SQLite file, against values computed by hand.</summary>
public sealed class LeaderboardQueriesTests : IAsyncLifetime
{
    private const string A = """{"lr":0.1}""";
    private const string B = """{"lr":0.01}""";
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"lb-{Guid.NewGuid():N}.db");
    private LabDbContext _db = null!;
    private long _nextId;

    public async Task InitializeAsync()
    {
        _db = new LabDbContext(new DbContextOptionsBuilder<LabDbContext>().UseSqlite($"Data Source={_file}").Options);
        await SqliteSetup.MigrateAsync(_db, CancellationToken.None);
        // Config A: best losses 0.1, 0.2, 0.3 (3 seeds). Config B: 0.05, 0.15 (2 seeds).
        foreach (var (json, best) in new[] { (A, 0.1), (A, 0.2), (A, 0.3), (B, 0.05), (B, 0.15) }) Add("exp", json, RunStatus.Succeeded, best);
        Add("exp", B, RunStatus.Failed, 0.0001);          // failed runs do not count
        Add("other", B, RunStatus.Succeeded, 0.0001);     // nor do other experiments
        await _db.SaveChangesAsync();
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        SqliteConnection.ClearAllPools();
        File.Delete(_file);
    }

    [Fact]
    public async Task Minimised_metric_ranks_by_the_mean_of_each_runs_minimum_with_a_t_interval()
    {
        var rows = await _db.LeaderboardAsync("exp", "loss", maximize: false, 0, 10, CancellationToken.None);

        Assert.Equal([B, A], rows.Select(r => r.ParametersJson));
        var (b, a) = (rows[0], rows[1]);
        Assert.Equal(2, b.N);
        Assert.Equal(0.1, b.Mean, 12);
        Assert.Equal(0.0707106781, b.StdDev, 8);
        Assert.Equal(12.706 * 0.0707106781 / Math.Sqrt(2), b.Ci95!.Value, 6);
        Assert.Equal(0.05, b.Best, 12);
        Assert.Equal(3, a.N);
        Assert.Equal(0.2, a.Mean, 12);
        Assert.Equal(0.1, a.StdDev, 8);
        Assert.Equal(4.303 * 0.1 / Math.Sqrt(3), a.Ci95!.Value, 6);
        Assert.Equal(0.3, a.Worst, 12);
    }

    [Fact]
    public async Task Maximised_metric_uses_each_runs_maximum_and_ranks_high_first()
    {
        // "acc" history: min = best loss, max = 1 − best loss (see Add).
        var rows = await _db.LeaderboardAsync("exp", "acc", maximize: true, 0, 10, CancellationToken.None);
        Assert.Equal([B, A], rows.Select(r => r.ParametersJson));
        Assert.Equal(0.9, rows[0].Mean, 12);
        Assert.Equal(0.95, rows[0].Best, 12);
    }

    [Fact]
    public async Task Summary_only_metric_is_read_from_the_summary_and_references_are_averaged()
    {
        var rows = await _db.LeaderboardAsync("exp", "band@lr=1", maximize: true, 0, 10, CancellationToken.None);
        Assert.Equal([A, B], rows.Select(r => r.ParametersJson)); // summary value = 10 × best loss
        Assert.Equal(2.0, rows[0].Mean, 12);

        var references = await _db.LeaderboardReferencesAsync("exp", "loss", CancellationToken.None);
        var reference = Assert.Single(references);
        Assert.Equal("GD*", reference.Label);
        Assert.Equal(5, reference.Runs);
        Assert.Equal((0.1 + 0.2 + 0.3 + 0.05 + 0.15) / 5 / 2, reference.Value, 12);
    }

    [Fact]
    public async Task Filters_narrow_the_rows()
    {
        async Task<int> Count(LeaderboardFilter f) => (await _db.LeaderboardAsync("exp", "loss", false, f, 0, 10, CancellationToken.None)).Count;
        Assert.Equal(2, await Count(LeaderboardFilter.None));
        Assert.Equal(2, await Count(new LeaderboardFilter(FinishedSince: DateTimeOffset.UtcNow.AddDays(-1))));
        Assert.Equal(0, await Count(new LeaderboardFilter(FinishedSince: DateTimeOffset.UtcNow.AddDays(1))));
        Assert.Equal(0, await Count(new LeaderboardFilter(Layers: 2)));           // no run has a "layers" parameter
        Assert.Equal(0, await Count(new LeaderboardFilter(MaxParameters: 1e9)));  // nor a parameter count

        // Approved only: nothing until a run is approved, then just that run's configuration.
        Assert.Equal(0, await Count(new LeaderboardFilter(ApprovedOnly: true)));
        await _db.Runs.Where(r => r.Id == 1).ExecuteUpdateAsync(s => s.SetProperty(r => r.ReviewState, LayerLab.Data.Review.ReviewState.Approved));
        var approved = await _db.LeaderboardAsync("exp", "loss", false, new LeaderboardFilter(ApprovedOnly: true), 0, 10, CancellationToken.None);
        Assert.Equal(1, Assert.Single(approved).N);
    }

    [Fact]
    public void Pareto_front_keeps_rows_no_smaller_or_equal_model_beats()
    {
        LeaderboardRow Row(double? parameters, double mean) => new("{}", 1, mean, 0, mean, mean, 0, "", "", 1, parameters);
        var rows = Pareto.Mark([Row(10, 0.5), Row(20, 0.3), Row(30, 0.4), Row(5, 0.9), Row(null, 0.1), Row(20, 0.3)], maximize: false);
        Assert.Equal([true, true, false, true, false, true], rows.Select(r => r.OnParetoFront));
        var up = Pareto.Mark([Row(10, 0.5), Row(20, 0.3)], maximize: true);
        Assert.Equal([true, false], up.Select(r => r.OnParetoFront));
    }

    [Fact]
    public void T_quantiles_match_the_table_and_approach_the_normal()
    {
        Assert.Equal(12.706, StudentT.Quantile975(1));
        Assert.Equal(2.042, StudentT.Quantile975(30));
        Assert.Equal(2.021, StudentT.Quantile975(40), 3);
        Assert.Equal(1.980, StudentT.Quantile975(120), 3);
        Assert.Equal(1.960, StudentT.Quantile975(100_000), 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Quantile975(0));
    }

    private void Add(string experiment, string parameters, RunStatus status, double bestLoss)
    {
        var id = ++_nextId;
        var now = DateTimeOffset.UtcNow;
        _db.Runs.Add(new Run
        {
            Id = id, ExperimentKey = experiment, ParametersJson = parameters, Status = status, QueuedAt = now,
            StartedAt = now, FinishedAt = now.AddSeconds(2), Device = "cpu", SubmittedBy = "ann",
            SummaryJson = $$"""{"band@lr=1": {{bestLoss * 10}}}""",
            ReferencesJson = $$"""[{"MetricKey":"loss","Label":"GD*","Value":{{bestLoss / 2}}}]""",
        });
        _db.LatestMetrics.Add(new LatestMetric { RunId = id, Key = "loss", Step = 100, Value = bestLoss + 0.5, Min = bestLoss, Max = bestLoss + 1 });
        _db.LatestMetrics.Add(new LatestMetric { RunId = id, Key = "acc", Step = 100, Value = 0.5, Min = bestLoss, Max = 1 - bestLoss });
    }
}
