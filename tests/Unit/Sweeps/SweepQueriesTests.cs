using LayerLab.Data;
using LayerLab.Data.Metrics;
using LayerLab.Data.Runs;
using LayerLab.Data.Sweeps;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Tests.Unit.Sweeps;

/// <summary>A sweep's per-run queries on a real SQLite file: counts per state, one sweep or many; the best value per
/// run from the latest extremes or the summary.</summary>
public sealed class SweepQueriesTests : MigratedFileTest
{
    private async Task<long> AddSweepAsync()
    {
        var sweep = new Sweep { Name = "s", ExperimentKey = "xor-prelu", DefinitionJson = "{}" };
        Db.Sweeps.Add(sweep);
        await Db.SaveChangesAsync();
        return sweep.Id;
    }

    private async Task<long> AddRunAsync(long? sweepId, RunStatus status, string? summaryJson = null, string parameters = "{}")
    {
        var run = new Run { ExperimentKey = "xor-prelu", ParametersJson = parameters, Status = status, SweepId = sweepId, SummaryJson = summaryJson };
        Db.Runs.Add(run);
        await Db.SaveChangesAsync();
        return run.Id;
    }

    [Fact]
    public async Task Progress_counts_each_sweeps_runs_only()
    {
        var ct = CancellationToken.None;
        var a = await AddSweepAsync();
        var b = await AddSweepAsync();
        var empty = await AddSweepAsync();
        await AddRunAsync(a, RunStatus.Succeeded);
        await AddRunAsync(a, RunStatus.Succeeded);
        await AddRunAsync(a, RunStatus.Failed);
        await AddRunAsync(b, RunStatus.Queued);
        await AddRunAsync(null, RunStatus.Running);                  // not in any sweep

        Assert.Equal(new SweepProgress(0, 0, 2, 1, 0), await Db.SweepProgressAsync(a, ct));
        var many = await Db.SweepProgressAsync([a, b, empty], ct);
        Assert.Equal([a, b, empty], many.Keys);
        Assert.Equal(new SweepProgress(0, 0, 2, 1, 0), many[a]);
        Assert.Equal(new SweepProgress(1, 0, 0, 0, 0), many[b]);
        Assert.Equal("Empty", many[empty].Status);
        await Assert.ThrowsAsync<ArgumentNullException>(() => ((LabDbContext)null!).SweepProgressAsync(a, ct));
        await Assert.ThrowsAsync<ArgumentNullException>(() => ((LabDbContext)null!).SweepProgressAsync([a], ct));
    }

    [Fact]
    public async Task Run_values_are_the_best_over_the_history_or_the_summary_value()
    {
        var ct = CancellationToken.None;
        var sweep = await AddSweepAsync();
        var logged = await AddRunAsync(sweep, RunStatus.Succeeded, """{"loss":7}""", """{"lr":0.1}""");
        var summaryOnly = await AddRunAsync(sweep, RunStatus.Failed, """{"loss":5}""");
        var nothing = await AddRunAsync(sweep, RunStatus.Queued);
        await AddRunAsync(null, RunStatus.Succeeded, """{"loss":0}""");
        Db.LatestMetrics.Add(new LatestMetric { RunId = logged, Key = "loss", Step = 9, Value = 2, Min = 1, Max = 3 });
        await Db.SaveChangesAsync();

        var min = await Db.SweepRunValuesAsync(sweep, "loss", maximize: false, ct);
        Assert.Equal([new SweepRunValue(logged, """{"lr":0.1}""", RunStatus.Succeeded, 1), new SweepRunValue(summaryOnly, "{}", RunStatus.Failed, 5),
            new SweepRunValue(nothing, "{}", RunStatus.Queued, null)], min);
        var max = await Db.SweepRunValuesAsync(sweep, "loss", maximize: true, ct);
        Assert.Equal([3, 5, null], max.Select(v => v.Value));
        await Assert.ThrowsAsync<ArgumentNullException>(() => ((LabDbContext)null!).SweepRunValuesAsync(sweep, "loss", false, ct));
    }
}

/// <summary>A sweep's status from its runs' states at every boundary.</summary>
public sealed class SweepProgressTests
{
    [Theory]
    [InlineData(0, 0, 0, 0, 0, "Empty")]
    [InlineData(0, 1, 0, 0, 0, "Running")]
    [InlineData(1, 1, 0, 0, 0, "Running")]
    [InlineData(1, 0, 0, 0, 0, "Queued")]
    [InlineData(1, 0, 0, 0, 1, "Running")]            // something finished: the sweep has started
    [InlineData(1, 0, 0, 1, 0, "Running")]
    [InlineData(0, 0, 1, 0, 0, "Succeeded")]
    [InlineData(0, 0, 0, 1, 0, "Finished with failures")]
    [InlineData(0, 0, 1, 0, 2, "Finished with failures")]  // some cancelled, some succeeded
    [InlineData(0, 0, 0, 1, 1, "Finished with failures")]
    [InlineData(0, 0, 0, 0, 1, "Cancelled")]
    public void Status_at_every_boundary(int queued, int running, int succeeded, int failed, int cancelled, string status)
    {
        var p = new SweepProgress(queued, running, succeeded, failed, cancelled);
        Assert.Equal(status, p.Status);
        Assert.Equal(queued + running + succeeded + failed + cancelled, p.Total);
        Assert.Equal(succeeded + failed + cancelled, p.Finished);
    }

    [Fact]
    public void Progress_from_counts_fills_missing_states_with_zero()
    {
        Assert.Equal(new SweepProgress(0, 2, 0, 0, 5), SweepProgress.From([(RunStatus.Cancelled, 5), (RunStatus.Running, 2)]));
        Assert.Equal(new SweepProgress(1, 2, 3, 4, 5), SweepProgress.From(
            [(RunStatus.Queued, 1), (RunStatus.Running, 2), (RunStatus.Succeeded, 3), (RunStatus.Failed, 4), (RunStatus.Cancelled, 5)]));
        Assert.Equal("counts", Assert.Throws<ArgumentNullException>(() => SweepProgress.From(null!)).ParamName);
    }

}
