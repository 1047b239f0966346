using System.Globalization;
using LayerLab.Training.Experiments.TinyLm;
using LayerLab.Training.Studies;

namespace LayerLab.Tests.Unit.Studies;

public sealed class TinyLmStudyTests
{
    private static readonly long[] Budgets = [10_000, 20_000, 40_000];

    /// <summary>Every depth × 3 seeds; <paramref name="bits"/>(layers, tokens, seed) gives each held-out value.</summary>
    private static List<StudyRun> Runs(StudyDefinition study, Func<int, long, int, double> bits, int seeds = 3, double unigram = 4.2)
    {
        var runs = new List<StudyRun>();
        foreach (var (layers, width) in TinyLmStudies.EqualParameters)
        for (var s = 1; s <= seeds; s++)
        {
            var summary = new Dictionary<string, double> { ["ref/unigram"] = unigram, ["ref/kneser_ney"] = 2.5 };
            foreach (var t in Budgets) summary[TinyLmExperiment.BitsAtKey(t)] = bits(layers, t, s);
            var parameters = new Dictionary<string, string> { ["layers"] = layers.ToString(CultureInfo.InvariantCulture) };
            if (study == TinyLmStudies.EqualParams) parameters["width"] = width.ToString(CultureInfo.InvariantCulture);
            runs.Add(new StudyRun(parameters, s, StudyRunState.Succeeded, summary));
        }
        return runs;
    }

    private static StudyVerdict Judge(StudyDefinition study, List<StudyRun> runs) => study.Verdict(StudyAggregation.Aggregate(study, runs));

    private static double Noise(int seed) => (seed - 2) * 0.005;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Reproduced_when_the_one_layer_model_is_as_good_at_every_budget(bool equalParams)
    {
        var study = equalParams ? TinyLmStudies.EqualParams : TinyLmStudies.EqualTokens;
        // Deeper models learn more slowly: higher bits at every budget.
        var verdict = Judge(study, Runs(study, (layers, t, s) => 3.5 - (t / 40_000.0) + (0.05 * Math.Log2(layers)) + Noise(s)));
        Assert.Equal(StudyOutcome.Reproduced, verdict.Outcome);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Not_reproduced_when_a_deeper_model_is_clearly_better(bool equalParams)
    {
        var study = equalParams ? TinyLmStudies.EqualParams : TinyLmStudies.EqualTokens;
        // The 4-layer model is 0.1 bits/token lower at the largest budget with tight seeds: the claim is false.
        var verdict = Judge(study, Runs(study, (layers, t, s) => 3.5 - (t / 40_000.0) - (layers == 4 && t == 40_000 ? 0.1 : 0) + Noise(s)));
        Assert.Equal(StudyOutcome.NotReproduced, verdict.Outcome);
        Assert.Contains("4 layers", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Inconclusive_when_a_deeper_model_is_ahead_but_within_seed_noise()
    {
        var study = TinyLmStudies.EqualTokens;
        var verdict = Judge(study, Runs(study, (layers, t, s) => 3.5 - (layers == 12 ? 0.05 : 0) + ((s - 2) * 0.2)));
        Assert.Equal(StudyOutcome.Inconclusive, verdict.Outcome);
    }

    [Fact]
    public void Inconclusive_when_the_one_layer_model_is_not_below_the_unigram()
    {
        var study = TinyLmStudies.EqualTokens;
        var verdict = Judge(study, Runs(study, (layers, t, s) => 4.3 + (0.1 * layers) + Noise(s)));
        Assert.Equal(StudyOutcome.Inconclusive, verdict.Outcome);
        Assert.Contains("unigram", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Inconclusive_with_one_seed_or_pending_runs()
    {
        var study = TinyLmStudies.EqualTokens;
        Assert.Equal(StudyOutcome.Inconclusive, Judge(study, Runs(study, (l, t, s) => 3, seeds: 1)).Outcome);
        var runs = Runs(study, (l, t, s) => 3);
        runs[0] = runs[0] with { State = StudyRunState.Pending, Summary = null };
        Assert.Equal(StudyOutcome.Inconclusive, Judge(study, runs).Outcome);
    }

    [Fact]
    public void Equal_parameters_study_runs_only_the_diagonal()
    {
        Assert.Equal(4, TinyLmStudies.EqualParams.Configurations);
        Assert.Equal(4, TinyLmStudies.EqualTokens.Configurations);
    }

    /// <summary>Two seeds per depth at <paramref name="one"/> ± spread (1 layer) and <paramref name="deeper"/> ± spread
    /// (every deeper model) at every budget, the unigram reference at <paramref name="unigram"/>.</summary>
    private static List<StudyRun> Pair(double one, double deeper, double spread = 0, double unigram = 5) =>
        Runs(TinyLmStudies.EqualTokens, (layers, _, s) => (layers == 1 ? one : deeper) + (s == 1 ? -spread : spread), seeds: 2, unigram: unigram);

    /// <summary>Each rule exactly at its threshold and just past it: the unigram reference (not below it is
    /// Inconclusive), τ (0.04 − 0.02 is exactly 0.02 in binary: not "more than τ"), and separated intervals (deeper
    /// seeds 2 ± 1/16 and 1-layer seeds 3.58825 ± 1/16 give intervals that touch at exactly 2.794125: not separated),
    /// and each outcome's whole text.</summary>
    private static readonly Dictionary<string, (List<StudyRun> Runs, StudyOutcome Outcome)> Cases = new()
    {
        ["one-layer-exactly-at-unigram"] = (Pair(one: 4, deeper: 4.5, unigram: 4), StudyOutcome.Inconclusive),
        ["one-layer-just-below-unigram"] = (Pair(one: 3.999, deeper: 4.5, unigram: 4), StudyOutcome.Reproduced),
        ["deeper-exactly-tau-lower"] = (Pair(one: 0.04, deeper: 0.02), StudyOutcome.Reproduced),
        ["deeper-just-more-than-tau-lower"] = (Pair(one: 0.04, deeper: 0.0199), StudyOutcome.NotReproduced),
        ["intervals-touch"] = (Pair(one: 3.58825, deeper: 2, spread: 0.0625), StudyOutcome.Inconclusive),
        ["intervals-apart"] = (Pair(one: 3.58826, deeper: 2, spread: 0.0625), StudyOutcome.NotReproduced),
        ["deeper-worse"] = (Runs(TinyLmStudies.EqualTokens, (layers, t, s) => 3.5 - (t / 40_000.0) + (0.05 * Math.Log2(layers)) + Noise(s)), StudyOutcome.Reproduced),
        ["one-seed"] = (Pair(3, 3) is var two ? [.. two.Where(r => r.Seed == 1)] : [], StudyOutcome.Inconclusive),
        ["no-runs"] = ([], StudyOutcome.Inconclusive),
        ["no-one-layer-runs"] = ([.. Pair(3, 3).Where(r => r.Parameter("layers") != "1")], StudyOutcome.Inconclusive),
        ["a-deeper-model-missing"] = ([.. Pair(3, 3).Where(r => r.Parameter("layers") != "12")], StudyOutcome.Inconclusive),
    };

    public static TheoryData<string> Scenarios() => GoldenText.Scenarios(Cases.Keys);

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Verdict_outcome_and_text_at_the_thresholds_and_per_outcome(string scenario)
    {
        var (runs, outcome) = Cases[scenario];
        GoldenText.Verdict("verdict-texts.json", $"tiny-lm/{scenario}", Judge(TinyLmStudies.EqualTokens, runs), outcome);
    }

    [Fact]
    public void Equal_parameters_study_names_each_depth_with_its_width_and_judges_with_them()
    {
        var study = TinyLmStudies.EqualParams;
        var verdict = Judge(study, Runs(study, (layers, t, _) => layers == 2 && t == 20_000 ? 2.9 : 3.0));
        Assert.Equal(StudyOutcome.NotReproduced, verdict.Outcome);
        Assert.StartsWith("Not reproduced: deeper models are clearly more sample-efficient — 2 layers × width 80 at 20,000 tokens (2.900 vs 3.000)", verdict.Text, StringComparison.Ordinal);
        Assert.Equal(["1 layer × width 112", "2 layers × width 80", "4 layers × width 56", "12 layers × width 32"],
            TinyLmStudies.EqualParameters.Select(p => TinyLmStudies.ParamsSeries(p.Layers.ToString(CultureInfo.InvariantCulture), p.Width.ToString(CultureInfo.InvariantCulture))));
        var results = StudyAggregation.Aggregate(study, Runs(study, (_, _, _) => 3));
        Assert.Equal(2.5, results.Point(TinyLmStudies.KneserNeySeries, 40_000)!.Mean);
        Assert.False(results.Series.Single(s => s.Name == TinyLmStudies.UnigramSeries).Plot);
        Assert.Throws<ArgumentNullException>(() => TinyLmStudies.Verdict(results, null!));
    }

    [Fact]
    public void Keys_that_are_not_a_budget_are_not_points()
    {
        var run = new StudyRun(new Dictionary<string, string> { ["layers"] = "2" }, 1, StudyRunState.Succeeded,
            new Dictionary<string, double> { [TinyLmExperiment.BitsAtPrefix + "many"] = 1, ["test_bpt"] = 2, [TinyLmExperiment.BitsAtKey(500)] = 3 });
        var results = StudyAggregation.Aggregate(TinyLmStudies.EqualTokens, [run]);
        Assert.Equal(("2 layers", 500.0, 3.0), (Assert.Single(results.Series).Name, results.Series[0].Points.Single().X, results.Series[0].Points[0].Mean));
    }
}
