using System.Globalization;
using LayerLab.Training.Experiments.IclRetrieval;
using LayerLab.Training.Experiments.IclTaskCount;
using LayerLab.Training.Experiments.MarkovIcl;
using LayerLab.Training.Experiments.RefexCompose;
using LayerLab.Training.Experiments.TinyLm;
using LayerLab.Training.Experiments.WideAttention;
using LayerLab.Training.Experiments.WidthVsDepth;
using LayerLab.Training.Studies;

namespace LayerLab.Tests.Unit.Studies;

/// <summary>The edges the second Stryker run of the `studies` target found untested (docs/testing.md): which series
/// are table-only, runs whose axis value is not a number, a study with nothing finished yet, and small helpers.</summary>
public sealed class StudySurvivorTests
{
    private static StudyRun Run(Dictionary<string, string> parameters, Dictionary<string, double>? summary, StudyRunState state = StudyRunState.Succeeded) =>
        new(parameters, 1, state, summary);

    [Fact]
    public void Quantities_the_verdicts_read_but_the_figure_does_not_draw_are_not_plotted()
    {
        static bool? Plot(StudyDefinition study, StudyRun run, string series) =>
            StudyAggregation.Aggregate(study, [run]).Series.FirstOrDefault(s => s.Name == series)?.Plot;
        var istree = Run(new() { ["model"] = "lstm", ["cot"] = "true", ["nodes"] = "8" }, new() { ["test_accuracy"] = 0.5, ["param_count"] = 100 });
        Assert.Equal((true, false), (Plot(IclRetrievalStudies.AccuracyVsSize, istree, "LSTM · CoT"), Plot(IclRetrievalStudies.AccuracyVsSize, istree, "LSTM · CoT · parameters")));
        var recall = Run(new() { ["model"] = "gru", ["pairs"] = "4" }, new() { ["test_accuracy"] = 0.5, ["param_count"] = 100 });
        Assert.Equal((true, false), (Plot(RecallStudies.RecallVsPairs, recall, "GRU"), Plot(RecallStudies.RecallVsPairs, recall, "GRU · parameters")));
        var mismatch = Run(new() { ["n_test"] = "32", ["n_train"] = "16" }, new() { ["mismatch_cost"] = 0.1 });
        Assert.Equal((true, false), (Plot(IclTaskCountStudies.LengthMismatch, mismatch, IclTaskCountStudies.MismatchSeries),
            Plot(IclTaskCountStudies.LengthMismatch, mismatch, IclTaskCountStudies.TrainLengthSeries)));
        var markov = Run(new() { ["model"] = "mamba", ["conv"] = "true", ["order"] = "2" }, new() { ["gap_laplace"] = 0, ["l1_laplace"] = 0.1, ["l1_add_half"] = 0.2 });
        Assert.Equal((true, false, false), (Plot(MarkovIclStudies.GapVsOrder, markov, "Mamba + conv"),
            Plot(MarkovIclStudies.GapVsOrder, markov, "Mamba + conv · L1 to Laplace"), Plot(MarkovIclStudies.GapVsOrder, markov, "Mamba + conv · L1 to add-½")));
        var width = Run([], new() { ["test_mse/w1/d2"] = 0.2, ["variance"] = 0.25 });
        Assert.Equal((true, false), (Plot(WidthVsDepthStudies.MinWidthPlateau, width, "width 1"), Plot(WidthVsDepthStudies.MinWidthPlateau, width, WidthVsDepthStudies.VarianceSeries)));
    }

    [Fact]
    public void A_run_whose_axis_value_is_not_a_number_adds_no_point()
    {
        Assert.Empty(StudyAggregation.Aggregate(RecallStudies.RecallVsPairs, [Run(new() { ["model"] = "gru", ["pairs"] = "many" }, new() { ["test_accuracy"] = 0.5 })]).Series);
        Assert.Empty(StudyAggregation.Aggregate(RefexComposeStudies.HeldOutVsShape, [Run(new() { ["layers"] = "one", ["heads"] = "1" }, new() { ["accuracy/heldout"] = 1 })]).Series);
        Assert.Empty(StudyAggregation.Aggregate(RefexComposeStudies.HeldOutVsShape, [Run(new() { ["layers"] = "1", ["heads"] = "x" }, new() { ["accuracy/heldout"] = 1 })]).Series);
        Assert.Equal("", Run(new(), null).Parameter("absent"));
    }

    [Fact]
    public void With_nothing_finished_the_verdict_says_runs_are_pending_not_that_results_are_missing()
    {
        var pendingLm = Run(new() { ["layers"] = "1" }, null, StudyRunState.Pending);
        Assert.Equal("1 of 1 runs have not finished.", TinyLmStudies.EqualTokens.Verdict(StudyAggregation.Aggregate(TinyLmStudies.EqualTokens, [pendingLm])).Text);
        var pendingWidth = Run([], null, StudyRunState.Pending);
        Assert.Equal("1 of 1 runs have not finished.", WidthVsDepthStudies.MinWidthPlateau.Verdict(StudyAggregation.Aggregate(WidthVsDepthStudies.MinWidthPlateau, [pendingWidth])).Text);
    }

    [Fact]
    public void Width_1_at_exactly_two_depths_is_enough_to_judge()
    {
        StudyRun Seed(long seed) => new(new Dictionary<string, string>(), seed, StudyRunState.Succeeded, new Dictionary<string, double>
        {
            ["variance"] = 0.25, ["test_mse/w1/d2"] = 0.25, ["test_mse/w1/d4"] = 0.24, ["test_mse/w4/d2"] = 0.01, ["test_mse/w4/d4"] = 0.005,
        });
        var verdict = WidthVsDepthStudies.MinWidthPlateau.Verdict(StudyAggregation.Aggregate(WidthVsDepthStudies.MinWidthPlateau, [Seed(1), Seed(2)]));
        Assert.Equal(StudyOutcome.Reproduced, verdict.Outcome);
    }

    [Fact]
    public void The_learned_floor_is_the_highest_majority_class_over_shapes()
    {
        // Majority 0.12 for two shapes and 0.2 for 6 × 4: best accuracy 0.22 is not 5 points above 0.2 → nothing learned.
        StudyRun Shape(string shape, long seed, double majority) => new(new Dictionary<string, string> { ["shape"] = shape }, seed, StudyRunState.Succeeded,
            new Dictionary<string, double> { ["accuracy"] = 0.22, ["step_ms"] = shape == "1x24" ? 40 : 80, ["majority"] = majority });
        var runs = new[] { ("6x4", 0.2), ("3x8", 0.12), ("1x24", 0.12) }.SelectMany(s => new[] { Shape(s.Item1, 1, s.Item2), Shape(s.Item1, 2, s.Item2) });
        var verdict = WideAttentionStudies.Verdict(StudyAggregation.Aggregate(WideAttentionStudies.AccuracyAndSpeedVsShape, runs));
        Assert.Equal(StudyOutcome.Inconclusive, verdict.Outcome);
        Assert.StartsWith("Inconclusive: no shape learned the task (best 22.0 % < majority + 5 points)", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Log_log_slope_needs_two_distinct_x_not_x_whose_logs_sum_to_two()
    {
        // x = 1 and 2: log x sums to 0.69, yet two distinct x with three values is enough for a slope.
        var fit = StudyAggregation.LogLogSlope([StudyAggregation.Summarize(1, [1, 1]), StudyAggregation.Summarize(2, [2])]);
        Assert.NotNull(fit);
        Assert.Equal(1, fit.Value.Slope, 12);
    }

    [Fact]
    public void A_null_swept_list_is_blamed_on_swept()
    {
        Assert.Equal("swept", Assert.Throws<ArgumentNullException>(() => SavedSweepStudy.Define("t", new SavedFigure("lr", "loss"), null!)).ParamName);
    }
}
