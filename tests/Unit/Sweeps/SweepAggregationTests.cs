using LayerLab.Data.Runs;
using LayerLab.Data.Sweeps;

namespace LayerLab.Tests.Unit.Sweeps;

public sealed class SweepAggregationTests
{
    private const string A = """{"lr":0.1}""";
    private const string B = """{"lr":0.01}""";
    private const string C = """{"lr":1}""";

    private static SweepRunValue Ok(long id, string config, double value) => new(id, config, RunStatus.Succeeded, value);

    [Fact]
    public void Mean_and_95_percent_t_interval_match_hand_computed_values()
    {
        // A: 1, 2, 3, 4 → mean 2.5, s = √(5/3) = 1.2909944, t(3) = 3.182, half-width = 3.182 · 1.2909944 / 2 = 2.0539721
        // B: 10, 12 → mean 11, s = √2 = 1.4142136, t(1) = 12.706, half-width = 12.706 · 1.4142136 / √2 = 12.706
        var rows = SweepAggregation.Aggregate(
        [
            Ok(1, A, 1), Ok(2, A, 2), Ok(3, A, 3), Ok(4, A, 4),
            Ok(5, B, 10), Ok(6, B, 12),
        ], maximize: false);

        var a = rows.Single(r => r.ParametersJson == A);
        Assert.Equal(4, a.N);
        Assert.Equal(2.5, a.Mean);
        Assert.Equal(1.2909944, a.StdDev!.Value, 6);
        Assert.Equal(2.0539721, a.Ci95!.Value, 6);
        var b = rows.Single(r => r.ParametersJson == B);
        Assert.Equal(11, b.Mean);
        Assert.Equal(12.706, b.Ci95!.Value, 9);
        Assert.True(a.IsBest);      // minimize: 2.5 < 11
        Assert.False(b.IsBest);
    }

    [Fact]
    public void Only_succeeded_runs_count_and_unfinished_configurations_stay_listed()
    {
        var rows = SweepAggregation.Aggregate(
        [
            Ok(1, A, 5), new(2, A, RunStatus.Failed, null), new(3, A, RunStatus.Running, 1),
            new(4, C, RunStatus.Queued, null), new(5, C, RunStatus.Queued, null),
        ], maximize: true);

        Assert.Equal([A, C], rows.Select(r => r.ParametersJson));
        var a = rows[0];
        Assert.Equal((3, 1, 5.0), (a.Runs, a.N, a.Mean!.Value));
        Assert.Null(a.Ci95);        // one seed: no interval
        Assert.Equal([1L, 2L, 3L], a.RunIds);
        Assert.Equal((2, 0), (rows[1].Runs, rows[1].N));
        Assert.Null(rows[1].Mean);
        Assert.True(a.IsBest);
        Assert.False(rows[1].IsBest);
    }

    [Fact]
    public void Maximize_picks_the_highest_mean()
    {
        var rows = SweepAggregation.Aggregate([Ok(1, A, 1), Ok(2, B, 3), Ok(3, C, 2)], maximize: true);
        Assert.Equal(B, rows.Single(r => r.IsBest).ParametersJson);
    }

    [Fact]
    public void Progress_status_is_derived_from_the_runs()
    {
        Assert.Equal("Queued", new SweepProgress(3, 0, 0, 0, 0).Status);
        Assert.Equal("Running", new SweepProgress(2, 0, 1, 0, 0).Status);
        Assert.Equal("Succeeded", new SweepProgress(0, 0, 4, 0, 0).Status);
        Assert.Equal("Finished with failures", new SweepProgress(0, 0, 3, 1, 0).Status);
        Assert.Equal("Cancelled", new SweepProgress(0, 0, 0, 0, 4).Status);
        Assert.Equal(10, new SweepProgress(1, 2, 3, 4, 0).Total);
    }

    [Fact]
    public void A_tie_on_the_mean_goes_to_the_configuration_with_more_seeds_and_null_runs_throw()
    {
        // A and B both average 2; B has two seeds, A one: B is the better-supported best.
        var rows = SweepAggregation.Aggregate([Ok(1, A, 2), Ok(2, B, 1), Ok(3, B, 3)], maximize: false);
        Assert.Equal([false, true], rows.Select(r => r.IsBest));
        Assert.Throws<ArgumentNullException>(() => SweepAggregation.Aggregate(null!, maximize: false));
    }
}
