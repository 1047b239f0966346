using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.WideAttention;
using LayerLab.Training.Studies;

namespace LayerLab.Tests.Unit.Studies;

public sealed class WideAttentionStudyTests
{
    private static readonly StudyDefinition Study = WideAttentionStudies.AccuracyAndSpeedVsShape;

    private static StudyRun Run(string shape, long seed, double accuracy, double stepMs, StudyRunState state = StudyRunState.Succeeded) =>
        new(new Dictionary<string, string> { ["shape"] = shape }, seed, state,
            state == StudyRunState.Succeeded
                ? new Dictionary<string, double> { ["accuracy"] = accuracy, ["step_ms"] = stepMs, ["forward_ms"] = stepMs / 3, ["majority"] = 0.12 }
                : null);

    /// <summary>Three seeds per shape: accuracies around the given means (± 0.2 points), step times as given.</summary>
    private static StudyRun[] Runs(double deep, double mid, double wide, double deepMs = 100, double midMs = 70, double wideMs = 40) =>
    [
        .. new[] { ("6x4", deep, deepMs), ("3x8", mid, midMs), ("1x24", wide, wideMs) }
            .SelectMany(c => new[] { Run(c.Item1, 1, c.Item2 - 0.002, c.Item3), Run(c.Item1, 2, c.Item2, c.Item3), Run(c.Item1, 3, c.Item2 + 0.002, c.Item3) }),
    ];

    private static StudyVerdict Judge(IEnumerable<StudyRun> runs) => Study.Verdict(StudyAggregation.Aggregate(Study, runs));

    [Fact]
    public void Reproduced_when_the_wide_layer_is_within_a_point_and_faster()
    {
        var verdict = Judge(Runs(0.60, 0.605, 0.598));
        Assert.Equal(StudyOutcome.Reproduced, verdict.Outcome);
        Assert.Contains("1 × 24: accuracy 59.8 %", verdict.Text, StringComparison.Ordinal);
        Assert.Contains("1.8 × faster", verdict.Text, StringComparison.Ordinal);   // 70 ms / 40 ms
        // Being more accurate than the deep shapes is within the claim too.
        Assert.Equal(StudyOutcome.Reproduced, Judge(Runs(0.55, 0.55, 0.65)).Outcome);
    }

    [Fact]
    public void Not_reproduced_when_the_wide_layer_is_five_points_less_accurate()
    {
        var verdict = Judge(Runs(0.60, 0.58, 0.55));
        Assert.Equal(StudyOutcome.NotReproduced, verdict.Outcome);
        Assert.Contains("5.0 points less accurate than 6 × 4", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_reproduced_when_the_wide_layer_is_slower_even_at_equal_accuracy()
    {
        var verdict = Judge(Runs(0.60, 0.60, 0.60, deepMs: 100, midMs: 50, wideMs: 55));
        Assert.Equal(StudyOutcome.NotReproduced, verdict.Outcome);
        Assert.Contains("not faster", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Inconclusive_with_too_few_seeds_failed_or_pending_runs()
    {
        var oneSeedWide = Runs(0.6, 0.6, 0.6).Where(r => r.Parameter("shape") != "1x24" || r.Seed == 1);
        Assert.Contains("Too few seeds", Judge(oneSeedWide).Text, StringComparison.Ordinal);
        Assert.Equal(StudyOutcome.Inconclusive, Judge(oneSeedWide).Outcome);
        Assert.Equal(StudyOutcome.Inconclusive, Judge([.. Runs(0.6, 0.6, 0.6), Run("1x24", 4, 0, 0, StudyRunState.Failed)]).Outcome);
        Assert.Equal(StudyOutcome.Inconclusive, Judge([.. Runs(0.6, 0.6, 0.6), Run("6x4", 4, 0, 0, StudyRunState.Pending)]).Outcome);
        Assert.Equal(StudyOutcome.Inconclusive, Judge(Runs(0.6, 0.6, 0.6).Where(r => r.Parameter("shape") != "3x8")).Outcome);
    }

    [Fact]
    public void Inconclusive_when_nothing_was_learned_or_the_gap_is_within_seed_noise()
    {
        // Every shape at the majority class: "equal accuracy" would be vacuous.
        Assert.Contains("no shape learned", Judge(Runs(0.13, 0.13, 0.13)).Text, StringComparison.Ordinal);
        // A 3-point gap on the means, but seeds spread ± 10 points: the intervals overlap.
        StudyRun[] noisy =
        [
            Run("6x4", 1, 0.50, 100), Run("6x4", 2, 0.70, 100), Run("3x8", 1, 0.5, 70), Run("3x8", 2, 0.6, 70),
            Run("1x24", 1, 0.47, 40), Run("1x24", 2, 0.67, 40),
        ];
        var verdict = Judge(noisy);
        Assert.Equal(StudyOutcome.Inconclusive, verdict.Outcome);
        Assert.Contains("intervals overlap", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_figure_is_accuracy_against_layers_and_timings_are_table_only()
    {
        var results = StudyAggregation.Aggregate(Study, Runs(0.6, 0.6, 0.6));
        Assert.Equal([1.0, 3.0, 6.0], results.PointsOf(WideAttentionStudies.AccuracySeries).Select(p => p.X));
        Assert.True(results.Series.Single(s => s.Name == WideAttentionStudies.AccuracySeries).Plot);
        Assert.False(results.Series.Single(s => s.Name == WideAttentionStudies.StepSeries).Plot);
        Assert.Equal(3, Study.Configurations);
        Assert.InRange(StudyPlan.EstimatedSeconds(new WideAttentionExperiment(), Study), 60, 900);
        Assert.Contains("step_ms", Study.TableMetrics);
        // Every study configuration is a valid run.
        Assert.All(StudyPlan.Configurations(Study), c =>
            Assert.True(ParameterValidation.Validate(new WideAttentionExperiment().Parameters, c.ToDictionary(p => p.Key, p => (string?)p.Value)).IsValid));
    }

    [Fact]
    public void Step_and_forward_times_get_their_own_figure_with_intervals_in_milliseconds_not_clipped_to_the_accuracy_range()
    {
        // Seeds 38 / 40 / 42 ms: mean 40, 95% t-interval 40 ± 4.303·2/√3 = [35.03, 44.97].
        StudyRun[] runs = [.. from shape in new[] { "6x4", "3x8", "1x24" } from seed in new[] { 1L, 2L, 3L }
                              select Run(shape, seed, 0.5, 36 + (2 * seed))];
        var results = StudyAggregation.Aggregate(Study, runs);

        var figure = Assert.Single(LayerLab.Web.Studies.StudyDtos.MoreFigures(Study, results));
        Assert.Contains("milliseconds", figure.Y, StringComparison.Ordinal);
        Assert.Equal([WideAttentionStudies.StepSeries, WideAttentionStudies.ForwardSeries], figure.Series.Select(s => s.Name));
        var step = figure.Series[0].Points.Single(p => p.X == 1);
        Assert.Equal(40, step.Mean, 9);
        Assert.Equal(35.03, step.Low, 2);
        Assert.Equal(44.97, step.High, 2);
        Assert.Equal(40.0 / 3, figure.Series[1].Points.Single(p => p.X == 6).Mean, 9);
        // The main figure draws accuracy only.
        Assert.DoesNotContain(results.Series.Where(s => s.Plot), s => s.Name == WideAttentionStudies.StepSeries);
    }

    /// <summary>Two seeds per shape with the given accuracies and step time (the majority class at 0.12).</summary>
    private static StudyRun[] Exact(params (string Shape, double A1, double A2, double Ms)[] shapes) =>
        [.. shapes.SelectMany(c => new[] { Run(c.Shape, 1, c.A1, c.Ms), Run(c.Shape, 2, c.A2, c.Ms) })];

    private static readonly double Floor = 0.12 + WideAttentionStudies.LearnedMargin;

    /// <summary>Each rule exactly at its threshold and just past it: equal step times (not faster), best accuracy
    /// exactly majority + 5 points (learned), intervals that touch (wide's upper end clipped to 1 = deep's lower end: not
    /// apart), and each outcome's whole text. A gap of exactly 1 point cannot be built from accuracies ≥ 5 % (0.01 has
    /// bits below their last place), so that edge is tested from both sides at ±0.0001.</summary>
    private static readonly Dictionary<string, (StudyRun[] Runs, StudyOutcome Outcome)> Cases = new()
    {
        ["measured-like"] = (Runs(0.60, 0.605, 0.598), StudyOutcome.Reproduced),
        ["equal-step-times"] = (Exact(("6x4", 0.6, 0.6, 80), ("3x8", 0.6, 0.6, 50), ("1x24", 0.6, 0.6, 50)), StudyOutcome.NotReproduced),
        ["just-faster"] = (Exact(("6x4", 0.6, 0.6, 80), ("3x8", 0.6, 0.6, 50), ("1x24", 0.6, 0.6, 49.99)), StudyOutcome.Reproduced),
        ["best-exactly-majority-plus-margin"] = (Exact(("6x4", Floor, Floor, 80), ("3x8", 0.15, 0.15, 60), ("1x24", Floor, Floor, 40)), StudyOutcome.Reproduced),
        ["best-just-below-majority-plus-margin"] = (Exact(("6x4", 0.1699, 0.1699, 80), ("3x8", 0.15, 0.15, 60), ("1x24", 0.1699, 0.1699, 40)), StudyOutcome.Inconclusive),
        ["gap-just-below-a-point"] = (Exact(("6x4", 0.6099, 0.6099, 80), ("3x8", 0.5, 0.5, 60), ("1x24", 0.6, 0.6, 40)), StudyOutcome.Reproduced),
        ["gap-just-above-a-point"] = (Exact(("6x4", 0.5, 0.5, 80), ("3x8", 0.6101, 0.6101, 60), ("1x24", 0.6, 0.6, 40)), StudyOutcome.NotReproduced),
        ["intervals-touch"] = (Exact(("6x4", 1, 1, 80), ("3x8", 0.5, 0.5, 60), ("1x24", 0.8, 1.0, 40)), StudyOutcome.Inconclusive),
        ["intervals-overlap"] = (Exact(("6x4", 0.5, 0.7, 100), ("3x8", 0.5, 0.6, 70), ("1x24", 0.47, 0.67, 40)), StudyOutcome.Inconclusive),
        ["a-shape-missing"] = ([.. Runs(0.6, 0.6, 0.6).Where(r => r.Parameter("shape") != "3x8")], StudyOutcome.Inconclusive),
    };

    public static TheoryData<string> Scenarios() => GoldenText.Scenarios(Cases.Keys);

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Verdict_outcome_and_text_at_the_thresholds_and_per_outcome(string scenario)
    {
        var (runs, outcome) = Cases[scenario];
        GoldenText.Verdict("verdict-texts.json", $"wide-attention/{scenario}", Judge(runs), outcome);
    }

    [Fact]
    public void Without_a_majority_class_the_floor_is_chance_and_a_run_with_a_bad_shape_adds_nothing()
    {
        StudyRun Bare(string shape, long seed, double accuracy) =>
            new(new Dictionary<string, string> { ["shape"] = shape }, seed, StudyRunState.Succeeded, new Dictionary<string, double> { ["accuracy"] = accuracy, ["step_ms"] = shape == "1x24" ? 40 : 80 });
        // Chance is 10 %: 0.16 is 6 points above it (learned); with the runs' 12 % majority it would not be.
        var runs = new[] { "6x4", "3x8", "1x24" }.SelectMany(s => new[] { Bare(s, 1, 0.16), Bare(s, 2, 0.16) }).ToList();
        var verdict = Judge(runs);
        Assert.Equal(StudyOutcome.Reproduced, verdict.Outcome);
        Assert.EndsWith("majority class 10.0 %.", verdict.Text, StringComparison.Ordinal);
        Assert.Empty(StudyAggregation.Aggregate(Study, [Bare("7x9", 1, 0.5), Bare("", 1, 0.5)]).Series);
    }
}
