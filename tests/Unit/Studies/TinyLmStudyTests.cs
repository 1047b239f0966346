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
}
