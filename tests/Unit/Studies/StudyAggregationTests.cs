using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.IclLinReg;
using LayerLab.Training.Experiments.IclTaskCount;
using LayerLab.Training.Experiments.MarkovIcl;
using LayerLab.Training.Experiments.XorPrelu;
using LayerLab.Training.Studies;
using LayerLab.Training.Sweeps;

namespace LayerLab.Tests.Unit.Studies;

public sealed class StudyAggregationTests
{
    private static readonly StudyDefinition Plain = new()
    {
        Key = "plain", Title = "t", Claim = "c", Thresholds = "t", MinSeeds = 2,
        Figure = new StudyFigure("x", "y", "s"),
        SecondsPerJob = _ => 1,
        Observe = r => [new StudyObservation("s", double.Parse(r.Parameter("x"), System.Globalization.CultureInfo.InvariantCulture), r.Summary!["y"])],
        Verdict = _ => StudyVerdict.Inconclusive(""),
    };

    private static StudyRun Run(string x, double y, StudyRunState state = StudyRunState.Succeeded) =>
        new(new Dictionary<string, string> { ["x"] = x }, 1, state, state == StudyRunState.Succeeded ? new Dictionary<string, double> { ["y"] = y } : null);

    [Fact]
    public void A_rate_interval_is_clipped_to_0_and_1_and_the_mean_is_kept()
    {
        // Success rates 1, 1, 0.8 → mean 0.9333, half-width t(2)=4.303 · 0.11547 / √3 = 0.28687: [0.6465, 1.2202].
        var rate = Plain with { Figure = new StudyFigure("x", "y", "s", YMin: 0, YMax: 1) };
        var p = StudyAggregation.Aggregate(rate, [Run("1", 1), Run("1", 1), Run("1", 0.8)]).Point("s", 1)!;
        Assert.Equal(0.9333333, p.Mean, 6);
        Assert.Equal(0.9333333 - 0.2868667, p.Low, 5); // t(2) = 4.303, as the table holds it
        Assert.Equal(1.0, p.High);
        // Unbounded figures keep the raw interval (above 1 here), and the xor-prelu study declares its rate bounds.
        Assert.True(StudyAggregation.Aggregate(Plain, [Run("1", 1), Run("1", 1), Run("1", 0.8)]).Point("s", 1)!.High > 1.2);
        Assert.Equal((0.0, 1.0), (XorPreluStudies.SuccessVsLearningRate.Figure.YMin, XorPreluStudies.SuccessVsLearningRate.Figure.YMax));
        var low = StudyAggregation.Aggregate(rate, [Run("2", 0), Run("2", 0), Run("2", 0.2)]).Point("s", 2)!;
        Assert.Equal(0.0, low.Low);
        Assert.Equal(0.0666667, low.Mean, 6);
    }

    [Fact]
    public void Mean_and_95_percent_t_interval_over_seeds_match_hand_computed_values()
    {
        // x=1: 1, 2, 3, 4 → mean 2.5, s = √(5/3), half-width t(3)=3.182 · s / 2 = 2.0539721
        var results = StudyAggregation.Aggregate(Plain, [Run("1", 1), Run("1", 2), Run("1", 3), Run("1", 4), Run("2", 7)]);
        var p = results.Point("s", 1)!;
        Assert.Equal(4, p.N);
        Assert.Equal(2.5, p.Mean, 12);
        Assert.Equal(2.5 - 2.0539721, p.Low, 6);
        Assert.Equal(2.5 + 2.0539721, p.High, 6);
        var single = results.Point("s", 2)!;
        Assert.Equal((1, 7.0, 7.0), (single.N, single.Low, single.High));
        Assert.Equal([1.0, 2.0], results.PointsOf("s").Select(q => q.X));
    }

    [Fact]
    public void Failed_and_pending_runs_contribute_no_values_and_make_the_guard_inconclusive()
    {
        var pending = StudyAggregation.Aggregate(Plain, [Run("1", 1), Run("1", 2), Run("1", 0, StudyRunState.Pending)]);
        Assert.Equal((3, 2, 0, 1), (pending.Total, pending.Succeeded, pending.Failed, pending.Pending));
        Assert.Equal(StudyOutcome.Inconclusive, pending.Guard()!.Outcome);

        var failed = StudyAggregation.Aggregate(Plain, [Run("1", 1), Run("1", 2), Run("1", 0, StudyRunState.Failed)]);
        Assert.Equal(2, failed.Point("s", 1)!.N);
        Assert.Contains("failed", failed.Guard()!.Text, StringComparison.Ordinal);

        var thin = StudyAggregation.Aggregate(Plain, [Run("1", 1)]);
        Assert.Contains("Too few seeds", thin.Guard(("s", 1))!.Text, StringComparison.Ordinal);
        Assert.Null(StudyAggregation.Aggregate(Plain, [Run("1", 1), Run("1", 2)]).Guard(("s", 1)));
    }

    [Fact]
    public void Log_log_slope_recovers_a_power_law_and_widens_with_noise()
    {
        // y = 3·x^0.75 exactly: slope 0.75 with a zero-width interval.
        var exact = new[] { 2.0, 4, 8, 16 }.Select(x => StudyAggregation.Summarize(x, [3 * Math.Pow(x, 0.75), 3 * Math.Pow(x, 0.75)])).ToList();
        var fit = StudyAggregation.LogLogSlope(exact)!.Value;
        Assert.Equal(0.75, fit.Slope, 9);
        Assert.Equal(0.75, fit.High, 6);
        var noisy = new[] { 2.0, 4, 8, 16 }.Select(x => StudyAggregation.Summarize(x, [Math.Pow(x, 0.75) * 0.8, Math.Pow(x, 0.75) * 1.25])).ToList();
        var wide = StudyAggregation.LogLogSlope(noisy)!.Value;
        Assert.Equal(0.75, wide.Slope, 9);
        Assert.True(wide.Low < 0.6 && wide.High > 0.9);
        Assert.Null(StudyAggregation.LogLogSlope([StudyAggregation.Summarize(2, [1, 2])]));
    }

    // Killed survivors of `scripts/mutation-test.sh studies` (docs/testing.md): the aggregation's filters and the
    // slope's edges were only ever fed clean input.
    [Fact]
    public void Only_succeeded_runs_with_finite_values_enter_a_point_and_the_count_of_states_is_kept()
    {
        var failedWithSummary = new StudyRun(new Dictionary<string, string> { ["x"] = "1" }, 2, StudyRunState.Failed,
            new Dictionary<string, double> { ["y"] = 100 });
        var results = StudyAggregation.Aggregate(Plain,
            [Run("1", 1), Run("1", 3), failedWithSummary, Run("1", double.NaN), Run("nan", 5), Run("1", 0, StudyRunState.Pending)]);
        var point = results.Point("s", 1)!;
        Assert.Equal((2, 2.0), (point.N, point.Mean)); // not the failed run's 100, not the NaN, not x = NaN
        Assert.Single(results.Series);
        Assert.Equal((6, 4, 1, 1), (results.Total, results.Succeeded, results.Failed, results.Pending));
        Assert.False(results.IsFinished);
        Assert.True(StudyAggregation.Aggregate(Plain, [Run("1", 1)]).IsFinished);
        Assert.Null(results.Point("other", 1));
    }

    [Fact]
    public void Log_log_slope_skips_values_it_cannot_take_the_log_of_and_needs_three_values_on_two_x()
    {
        var exact = new[] { 2.0, 4 }.Select(x => StudyAggregation.Summarize(x, [Math.Pow(x, 2), Math.Pow(x, 2)])).ToList();
        // Exactly 3 values on exactly 2 distinct x is enough; a zero value and an x of 0 are skipped, not fitted.
        var three = new List<StudyPoint> { exact[0], StudyAggregation.Summarize(4, [16, 0]), StudyAggregation.Summarize(0, [5]) };
        var fit = StudyAggregation.LogLogSlope(three)!.Value;
        Assert.Equal((2.0, 3), (Math.Round(fit.Slope, 9), fit.N));
        // Three values on a single x, or two values on two x: no slope.
        Assert.Null(StudyAggregation.LogLogSlope([StudyAggregation.Summarize(2, [1, 2, 3])]));
        Assert.Null(StudyAggregation.LogLogSlope([StudyAggregation.Summarize(2, [4]), StudyAggregation.Summarize(4, [16])]));
    }

    public static TheoryData<string> DeclaredStudies()
    {
        var data = new TheoryData<string>();
        foreach (var experiment in Catalog())
        foreach (var study in StudyCatalog.Of(experiment)) data.Add($"{experiment.Key}/{study.Key}");
        return data;
    }

    private static IExperiment[] Catalog() =>
        [new XorPreluExperiment(), new IclLinRegExperiment(), new IclTaskCountExperiment(), new MarkovIclExperiment()];

    [Theory]
    [MemberData(nameof(DeclaredStudies))]
    public void Every_declared_study_expands_into_a_valid_sweep_of_its_declared_size(string id)
    {
        var experiment = Catalog().Single(e => e.Key == id.Split('/')[0]);
        var study = StudyCatalog.Find(experiment, id.Split('/')[1])!;
        var expansion = SweepExpansion.Expand(experiment, StudyPlan.ToSweep(experiment, study, StudyPlan.DefaultSeed), 1, 10_000);
        Assert.True(expansion.IsValid, string.Join("; ", expansion.Errors.Select(e => $"{e.Key}: {e.Value}")));
        Assert.Equal(study.Runs, expansion.RunCount);
        Assert.Equal(study.Configurations, expansion.Configurations);
        var seconds = StudyPlan.EstimatedSeconds(experiment, study);
        Assert.InRange(seconds, 1, 15 * 60); // the catalog's bar: a default study under 15 minutes on 2 cores
        Assert.False(string.IsNullOrWhiteSpace(study.Thresholds));
    }

    [Fact]
    public void Excluded_combinations_are_not_run()
    {
        var markov = new MarkovIclExperiment();
        var study = MarkovIclStudies.GapVsOrder;
        Assert.Equal(4 * 3, study.Configurations); // Mamba ± conv, two transformers, × 3 orders
        var expansion = SweepExpansion.Expand(markov, StudyPlan.ToSweep(markov, study, 1), 1, 1000);
        Assert.DoesNotContain(expansion.Runs, r => r.Parameters.GetString("model") == "transformer1" && !r.Parameters.GetBool("conv"));
    }

    [Fact]
    public void Overrides_replace_base_values_axes_and_seeds_and_refuse_unknown_fields_per_field()
    {
        var experiment = new IclTaskCountExperiment();
        var applied = StudyPlan.Apply(experiment, IclTaskCountStudies.TasksVsDimension, new StudyOverrides
        {
            Parameters = new Dictionary<string, string> { ["steps"] = "50" },
            Axes = new Dictionary<string, IReadOnlyList<string>> { ["d"] = ["4", "8"] },
            Seeds = 2,
        }, out var none)!;
        Assert.Empty(none);
        Assert.Equal(("50", 2, 4), (applied.Parameters["steps"], applied.Seeds, applied.Runs));

        var refused = StudyPlan.Apply(experiment, IclTaskCountStudies.TasksVsDimension, new StudyOverrides
        {
            Parameters = new Dictionary<string, string> { ["nope"] = "1", ["d"] = "4" },
            Axes = new Dictionary<string, IReadOnlyList<string>> { ["steps"] = ["1"] },
            Seeds = 0,
        }, out var errors);
        Assert.Null(refused);
        Assert.Equal(["overrides.d", "overrides.nope", "overrides.seeds", "overrides.steps"], errors.Keys.Order());
    }
}
