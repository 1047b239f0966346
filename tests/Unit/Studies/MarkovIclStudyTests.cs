using System.Globalization;
using LayerLab.Training.Experiments.MarkovIcl;
using LayerLab.Training.Studies;

namespace LayerLab.Tests.Unit.Studies;

public sealed class MarkovIclStudyTests
{
    private static readonly StudyDefinition Study = MarkovIclStudies.GapVsOrder;

    private sealed record Fit(double Gap, double L1Laplace, double L1Half);

    /// <summary>Laplace-like, add-½-like (as close in CE but nearer add-½), and the unigram-like failure.</summary>
    private static readonly Fit Laplace = new(0.004, 0.02, 0.05);
    private static readonly Fit AddHalf = new(0.005, 0.05, 0.02);
    private static readonly Fit Fails = new(0.10, 0.16, 0.17);

    private static StudyRun Run(string model, string conv, int k, long seed, Fit fit, StudyRunState state = StudyRunState.Succeeded) =>
        new(new Dictionary<string, string> { ["model"] = model, ["conv"] = conv, ["order"] = k.ToString(CultureInfo.InvariantCulture) },
            seed, state, state == StudyRunState.Succeeded
                ? new Dictionary<string, double> { ["gap_laplace"] = fit.Gap, ["l1_laplace"] = fit.L1Laplace, ["l1_add_half"] = fit.L1Half }
                : null);

    /// <summary>All 12 configurations × 2 seeds; <paramref name="fit"/> picks each one's behaviour.</summary>
    private static List<StudyRun> Runs(Func<string, int, Fit> fit, int seeds = 2, Func<string, int, long, StudyRunState>? state = null)
    {
        var runs = new List<StudyRun>();
        foreach (var (model, conv) in new[] { ("mamba", "true"), ("mamba", "false"), ("transformer1", "true"), ("transformer2", "true") })
        foreach (var k in new[] { 1, 2, 3 })
        for (var s = 1; s <= seeds; s++)
        {
            var series = MarkovIclStudies.SeriesOf(model, conv);
            runs.Add(Run(model, conv, k, s, fit(series, k), state?.Invoke(series, k, s) ?? StudyRunState.Succeeded));
        }
        return runs;
    }

    private static StudyVerdict Judge(List<StudyRun> runs) => Study.Verdict(StudyAggregation.Aggregate(Study, runs));

    /// <summary>The paper's picture: Mamba + conv learns Laplace everywhere, no conv and the 1-layer transformer fail
    /// at k ≥ 2, the 2-layer transformer learns it.</summary>
    private static Fit Paper(string series, int k) => series switch
    {
        MarkovIclStudies.MambaConv or MarkovIclStudies.Transformer2 => Laplace,
        _ => k >= 2 ? Fails : Laplace,
    };

    [Fact]
    public void Reproduced_for_the_papers_picture()
    {
        var verdict = Judge(Runs(Paper));
        Assert.Equal(StudyOutcome.Reproduced, verdict.Outcome);
        Assert.Contains("Mamba + conv k=1 +0.0040 (0.020/0.050)", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_reproduced_when_mamba_learns_add_half_instead_of_laplace()
    {
        // Within 0.01 nats in CE, but nearer add-½: the old per-run tolerance would have called it Laplace.
        var verdict = Judge(Runs((s, k) => s == MarkovIclStudies.MambaConv && k == 2 ? AddHalf : Paper(s, k)));
        Assert.Equal(StudyOutcome.NotReproduced, verdict.Outcome);
        Assert.Contains("k = 2", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_reproduced_when_the_convolution_is_not_needed_or_the_1_layer_transformer_succeeds()
    {
        Assert.Equal(StudyOutcome.NotReproduced, Judge(Runs((s, k) => s == MarkovIclStudies.MambaNoConv ? Laplace : Paper(s, k))).Outcome);
        var verdict = Judge(Runs((s, k) => s == MarkovIclStudies.Transformer1 ? Laplace : Paper(s, k)));
        Assert.Equal(StudyOutcome.NotReproduced, verdict.Outcome);
        Assert.Contains("1-layer transformer learns Laplace", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Inconclusive_when_the_2_layer_transformer_also_fails()
    {
        var verdict = Judge(Runs((s, k) => s == MarkovIclStudies.Transformer2 ? (k >= 2 ? Fails : Laplace) : Paper(s, k)));
        Assert.Equal(StudyOutcome.Inconclusive, verdict.Outcome);
        Assert.Contains("under-training", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Inconclusive_with_one_seed_or_a_failed_run()
    {
        Assert.Equal(StudyOutcome.Inconclusive, Judge(Runs(Paper, seeds: 1)).Outcome);
        var failed = Runs(Paper, state: (s, k, seed) => s == MarkovIclStudies.Transformer2 && k == 3 && seed == 2 ? StudyRunState.Failed : StudyRunState.Succeeded);
        Assert.Equal(StudyOutcome.Inconclusive, Judge(failed).Outcome);
    }

    private static readonly Fit AtTolerance = new(0.01, 0.02, 0.05);
    private static readonly Fit JustAbove = new(0.0101, 0.02, 0.05);
    private static readonly Fit EqualL1 = new(0.004, 0.03, 0.03);

    /// <summary>"Learned Laplace" exactly at its edges (a gap of exactly 0.01 nats counts, an L1 tie does not), the
    /// k ≥ 2 boundary (k = 2 alone decides), and each outcome's whole text with every model's numbers.</summary>
    private static readonly Dictionary<string, (List<StudyRun> Runs, StudyOutcome Outcome)> Cases = new()
    {
        ["papers-picture"] = (Runs(Paper), StudyOutcome.Reproduced),
        ["gap-exactly-at-tolerance"] = (Runs((s, k) => s == MarkovIclStudies.MambaConv ? AtTolerance : Paper(s, k)), StudyOutcome.Reproduced),
        ["gap-just-above-tolerance"] = (Runs((s, k) => s == MarkovIclStudies.MambaConv && k == 3 ? JustAbove : Paper(s, k)), StudyOutcome.NotReproduced),
        ["l1-tie-is-not-laplace"] = (Runs((s, k) => s == MarkovIclStudies.MambaConv && k == 1 ? EqualL1 : Paper(s, k)), StudyOutcome.NotReproduced),
        ["no-conv-learns-every-k"] = (Runs((s, k) => s == MarkovIclStudies.MambaNoConv ? Laplace : Paper(s, k)), StudyOutcome.NotReproduced),
        ["transformer1-learns-at-k2-only"] = (Runs((s, k) => s == MarkovIclStudies.Transformer1 && k == 2 ? Laplace : Paper(s, k)), StudyOutcome.NotReproduced),
        ["transformer2-fails-at-k2-only"] = (Runs((s, k) => s == MarkovIclStudies.Transformer2 && k == 2 ? Fails : Paper(s, k)), StudyOutcome.Inconclusive),
        ["transformer2-fails-at-k1-only"] = (Runs((s, k) => s == MarkovIclStudies.Transformer2 && k == 1 ? Fails : Paper(s, k)), StudyOutcome.Reproduced),
        ["only-mamba-ran"] = ([.. Runs(Paper).Where(r => r.Parameter("model") == "mamba")], StudyOutcome.Inconclusive),
        ["one-seed"] = (Runs(Paper, seeds: 1), StudyOutcome.Inconclusive),
        ["no-runs"] = ([], StudyOutcome.Inconclusive),
        // Seed 2 of Mamba + conv at k = 2 reports no L1 to Laplace (or to add-½): that point has one seed.
        ["l1-laplace-one-seed"] = (Without("l1_laplace"), StudyOutcome.Inconclusive),
        ["l1-add-half-one-seed"] = (Without("l1_add_half"), StudyOutcome.Inconclusive),
    };

    private static List<StudyRun> Without(string key) =>
        [.. Runs(Paper).Select(r => r.Parameter("model") == "mamba" && r.Parameter("conv") == "true" && r.Parameter("order") == "2" && r.Seed == 2
            ? r with { Summary = r.Summary!.Where(p => p.Key != key).ToDictionary() } : r)];

    public static TheoryData<string> Scenarios() => GoldenText.Scenarios(Cases.Keys);

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Verdict_outcome_and_text_at_the_thresholds_and_per_outcome(string scenario)
    {
        var (runs, outcome) = Cases[scenario];
        GoldenText.Verdict("verdict-texts.json", $"markov-icl/{scenario}", Judge(runs), outcome);
    }

    [Fact]
    public void Learned_is_unknown_without_each_of_its_three_points_and_series_follow_model_and_conv()
    {
        var full = StudyAggregation.Aggregate(Study, Runs(Paper));
        Assert.True(MarkovIclStudies.Learned(full, MarkovIclStudies.MambaConv, 1));
        Assert.False(MarkovIclStudies.Learned(full, MarkovIclStudies.MambaNoConv, 2));
        Assert.Null(MarkovIclStudies.Learned(full, MarkovIclStudies.MambaConv, 4));
        foreach (var (key, missing) in new[] { ("gap_laplace", 0), ("l1_laplace", 1), ("l1_add_half", 2) })
        {
            var summary = new Dictionary<string, double> { ["gap_laplace"] = 0, ["l1_laplace"] = 0.01, ["l1_add_half"] = 0.02 };
            summary.Remove(key);
            var run = new StudyRun(new Dictionary<string, string> { ["model"] = "mamba", ["conv"] = "true", ["order"] = "1" }, 1, StudyRunState.Succeeded, summary);
            Assert.Null(MarkovIclStudies.Learned(StudyAggregation.Aggregate(Study, [run]), MarkovIclStudies.MambaConv, 1));
            Assert.Equal(2, StudyAggregation.Aggregate(Study, [run]).Series.Count + missing - missing);
        }
        Assert.Empty(StudyAggregation.Aggregate(Study, [new StudyRun(new Dictionary<string, string> { ["model"] = "mamba", ["order"] = "x" }, 1,
            StudyRunState.Succeeded, new Dictionary<string, double> { ["gap_laplace"] = 0 })]).Series);
        Assert.Equal((MarkovIclStudies.MambaConv, MarkovIclStudies.MambaNoConv, MarkovIclStudies.Transformer1, MarkovIclStudies.Transformer2),
            (MarkovIclStudies.SeriesOf("mamba", "true"), MarkovIclStudies.SeriesOf("mamba", "false"), MarkovIclStudies.SeriesOf("transformer1", "false"),
             MarkovIclStudies.SeriesOf("transformer2", "true")));
        Assert.Throws<ArgumentNullException>(() => MarkovIclStudies.Learned(null!, MarkovIclStudies.MambaConv, 1));
    }
}
