using System.Globalization;
using LayerLab.Training.Experiments.IclRetrieval;
using LayerLab.Training.Studies;

namespace LayerLab.Tests.Unit.Studies;

public sealed class IclRetrievalStudyTests
{
    private static readonly StudyDefinition Study = IclRetrievalStudies.AccuracyVsSize;
    private static readonly int[] Sizes = [8, 12, 16];

    private static StudyRun Run(string model, string cot, int n, long seed, double accuracy, double parameters, StudyRunState state) =>
        new(new Dictionary<string, string> { ["model"] = model, ["cot"] = cot, ["nodes"] = n.ToString(CultureInfo.InvariantCulture) },
            seed, state, state == StudyRunState.Succeeded
                ? new Dictionary<string, double> { ["test_accuracy"] = accuracy, ["param_count"] = parameters }
                : null);

    /// <summary>All 30 configurations × seeds; <paramref name="accuracy"/> gives each (model, cot, n) its accuracy.</summary>
    private static List<StudyRun> Runs(Func<string, bool, int, double> accuracy, int seeds = 2,
        Func<string, double>? parameters = null, Func<string, int, long, StudyRunState>? state = null)
    {
        var runs = new List<StudyRun>();
        foreach (var model in IclRetrievalSettings.ModelKeys)
        foreach (var cot in new[] { true, false })
        foreach (var n in Sizes)
        for (var s = 1; s <= seeds; s++)
            runs.Add(Run(model, cot ? "true" : "false", n, s, accuracy(model, cot, n) + (s == 1 ? 0.005 : -0.005),
                parameters?.Invoke(model) ?? 20_000, state?.Invoke(model, n, s) ?? StudyRunState.Succeeded));
        return runs;
    }

    private static StudyVerdict Judge(List<StudyRun> runs) => Study.Verdict(StudyAggregation.Aggregate(Study, runs));

    /// <summary>The paper's picture: RNNs fall with n (CoT helps but not enough), transformers and the RNN with one
    /// attention layer stay near 1.</summary>
    private static double Paper(string model, bool cot, int n) => model switch
    {
        "lstm" or "gru" => cot ? 1.0 - (0.04 * (n - 8)) : 0.9 - (0.04 * (n - 8)),
        _ => 0.98,
    };

    [Fact]
    public void Reproduced_for_the_papers_picture()
    {
        var verdict = Judge(Runs(Paper));
        Assert.Equal(StudyOutcome.Reproduced, verdict.Outcome);
        Assert.Contains("falls from 1.000 (n = 8) to 0.680 (n = 16)", verdict.Text, StringComparison.Ordinal);
        Assert.Contains("LSTM · no CoT n=8 0.900", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_reproduced_when_the_rnn_keeps_up_or_does_not_fall()
    {
        var solves = Judge(Runs((m, cot, n) => m == "gru" && cot ? 0.95 : Paper(m, cot, n)));
        Assert.Equal(StudyOutcome.NotReproduced, solves.Outcome);
        Assert.Contains("the RNN solves n = 16 (0.950)", solves.Text, StringComparison.Ordinal);
        var flat = Judge(Runs((m, cot, n) => m is "lstm" or "gru" && cot ? 0.7 : Paper(m, cot, n)));
        Assert.Equal(StudyOutcome.NotReproduced, flat.Outcome);
        Assert.Contains("does not fall", flat.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_reproduced_when_one_attention_layer_does_not_close_the_gap()
    {
        var verdict = Judge(Runs((m, cot, n) => m == "lstm_attention" ? Paper("lstm", cot, n) : Paper(m, cot, n)));
        Assert.Equal(StudyOutcome.NotReproduced, verdict.Outcome);
        Assert.Contains("does not close the gap (LSTM + attention 0.680 vs transformer 0.980", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Inconclusive_when_the_transformer_fails_too_counts_differ_seeds_are_missing_or_a_run_failed()
    {
        var weak = Judge(Runs((m, cot, n) => m.StartsWith("transformer", StringComparison.Ordinal) ? 0.6 : Paper(m, cot, n)));
        Assert.Equal(StudyOutcome.Inconclusive, weak.Outcome);
        Assert.Contains("under-training", weak.Text, StringComparison.Ordinal);
        var unmatched = Judge(Runs(Paper, parameters: m => m == "transformer2" ? 23_000 : 20_000));
        Assert.Equal(StudyOutcome.Inconclusive, unmatched.Outcome);
        Assert.Contains("more than 10 % apart", unmatched.Text, StringComparison.Ordinal);
        Assert.Equal(StudyOutcome.Reproduced, Judge(Runs(Paper, parameters: m => m == "transformer2" ? 21_500 : 20_000)).Outcome);
        Assert.Equal(StudyOutcome.Inconclusive, Judge(Runs(Paper, seeds: 1)).Outcome);
        Assert.Equal(StudyOutcome.Inconclusive, Judge(Runs(Paper, state: (m, n, s) => m == "gru" && n == 16 && s == 2 ? StudyRunState.Failed : StudyRunState.Succeeded)).Outcome);
    }

    [Fact]
    public void Study_plan_is_30_configurations_of_valid_parameters()
    {
        Assert.Equal(30, Study.Configurations);
        Assert.Equal(60, Study.Runs);
        var specs = IclRetrievalSettings.Specs.ToDictionary(s => s.Name);
        foreach (var (name, value) in Study.Parameters) Assert.NotNull(specs[name].TryParse(value, out _));
        foreach (var axis in Study.Axes) Assert.All(axis.Values, v => Assert.NotNull(specs[axis.Parameter].TryParse(v, out _)));
    }

    /// <summary>Two seeds with the same value per (model, CoT, n), so the means are exactly the values given.</summary>
    private static List<StudyRun> Exact(Func<string, bool, int, double> accuracy, Func<string, double>? parameters = null, int[]? sizes = null) =>
        [.. from model in IclRetrievalSettings.ModelKeys from cot in new[] { true, false } from n in sizes ?? Sizes from s in new long[] { 1, 2 }
            select Run(model, cot ? "true" : "false", n, s, accuracy(model, cot, n), parameters?.Invoke(model) ?? 20_000, StudyRunState.Succeeded)];

    /// <summary>The paper's picture with one model's with-CoT accuracy replaced.</summary>
    private static Func<string, bool, int, double> With(string model, Func<int, double> accuracy) =>
        (m, cot, n) => m == model && cot ? accuracy(n) : Paper(m, cot, n);

    /// <summary>Each threshold exactly on it and just past it (solved ≥ 0.90, falls and closes by 0.05, counts within
    /// 10 %), and each outcome's whole text with the numbers it quotes.</summary>
    private static readonly Dictionary<string, (List<StudyRun> Runs, StudyOutcome Outcome)> Cases = new()
    {
        ["paper"] = (Exact(Paper), StudyOutcome.Reproduced),
        ["transformer-exactly-solved"] = (Exact((m, cot, n) => m.StartsWith("transformer", StringComparison.Ordinal) && cot ? 0.9 : Paper(m, cot, n)), StudyOutcome.Reproduced),
        ["transformer-just-below-solved"] = (Exact((m, cot, n) => m.StartsWith("transformer", StringComparison.Ordinal) && cot ? 0.8999 : Paper(m, cot, n)), StudyOutcome.Inconclusive),
        ["better-transformer-counts"] = (Exact((m, cot, n) => m == "transformer1" && cot ? 0.5 : Paper(m, cot, n)), StudyOutcome.Reproduced),
        ["rnn-exactly-solved"] = (Exact(With("gru", n => n == 16 ? 0.9 : 1.0)), StudyOutcome.NotReproduced),
        ["rnn-just-below-solved"] = (Exact(With("gru", n => n == 16 ? 0.8999 : 1.0)), StudyOutcome.Reproduced),
        ["rnn-falls-exactly-slack"] = (Exact(With("lstm", n => n == 16 ? 0.75 - IclRetrievalStudies.Slack : 0.75)), StudyOutcome.Reproduced),
        ["rnn-falls-less-than-slack"] = (Exact((m, cot, n) => m is "lstm" or "gru" && cot ? (n == 16 ? 0.7001 : 0.75) : Paper(m, cot, n)), StudyOutcome.NotReproduced),
        ["hybrid-exactly-slack-below"] = (Exact(With("lstm_attention", n => 0.98 - IclRetrievalStudies.Slack)), StudyOutcome.Reproduced),
        ["hybrid-just-more-than-slack-below"] = (Exact(With("lstm_attention", n => 0.9299)), StudyOutcome.NotReproduced),
        ["counts-exactly-10-percent-apart"] = (Exact(Paper, m => m switch { "lstm" => 19_000, "gru" => 21_000, _ => 20_000 }), StudyOutcome.Reproduced),
        ["counts-just-over-10-percent-apart"] = (Exact(Paper, m => m switch { "lstm" => 18_990, "gru" => 21_010, _ => 20_000 }), StudyOutcome.Inconclusive),
        ["one-size"] = (Exact(Paper, sizes: [8]), StudyOutcome.Inconclusive),
        ["one-seed"] = (Runs(Paper, seeds: 1), StudyOutcome.Inconclusive),
        ["no-runs"] = ([], StudyOutcome.Inconclusive),
    };

    public static TheoryData<string> Scenarios() => GoldenText.Scenarios(Cases.Keys);

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Verdict_outcome_and_text_at_the_thresholds_and_per_outcome(string scenario)
    {
        var (runs, outcome) = Cases[scenario];
        GoldenText.Verdict("verdict-texts.json", $"icl-retrieval/{scenario}", Judge(runs), outcome);
    }

    [Fact]
    public void Series_name_model_and_chain_of_thought_and_runs_without_a_size_add_nothing()
    {
        Assert.Equal(["LSTM · CoT", "GRU · no CoT", "1-layer transformer · CoT", "2-layer transformer · CoT", "LSTM + attention · no CoT"],
            new[] { IclRetrievalStudies.SeriesOf("lstm", "true"), IclRetrievalStudies.SeriesOf("gru", "false"), IclRetrievalStudies.SeriesOf("transformer1", "true"),
                IclRetrievalStudies.SeriesOf("transformer2", ""), IclRetrievalStudies.SeriesOf("lstm_attention", "false") });
        Assert.Empty(StudyAggregation.Aggregate(Study, [Run("lstm", "true", 8, 1, 1, 1, StudyRunState.Succeeded) with { Parameters = new Dictionary<string, string> { ["model"] = "lstm" } }]).Series);
    }
}
