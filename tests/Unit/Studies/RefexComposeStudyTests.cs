using System.Globalization;
using LayerLab.Training.Experiments.RefexCompose;
using LayerLab.Training.Studies;

namespace LayerLab.Tests.Unit.Studies;

public sealed class RefexComposeStudyTests
{
    private static readonly StudyDefinition Study = RefexComposeStudies.HeldOutVsShape;

    private static StudyRun Run(int layers, int heads, long seed, double accuracy) =>
        new(new Dictionary<string, string> { ["layers"] = layers.ToString(CultureInfo.InvariantCulture), ["heads"] = heads.ToString(CultureInfo.InvariantCulture) },
            seed, StudyRunState.Succeeded, new Dictionary<string, double> { ["accuracy/heldout"] = accuracy });

    private static StudyVerdict Judge(params StudyRun[] runs) => Study.Verdict(StudyAggregation.Aggregate(Study, runs));

    [Fact]
    public void Reproduced_when_one_layer_one_head_reaches_95_percent()
    {
        var verdict = Judge(Run(1, 1, 1, 1.0), Run(1, 1, 2, 0.97), Run(2, 4, 1, 0.5), Run(2, 4, 2, 0.5));
        Assert.Equal(StudyOutcome.Reproduced, verdict.Outcome);
        Assert.Contains("2 layers × 4 heads 50.0 %", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_reproduced_when_one_layer_one_head_stays_below_even_if_bigger_shapes_pass()
    {
        var verdict = Judge(Run(1, 1, 1, 0.96), Run(1, 1, 2, 0.90), Run(2, 4, 1, 1.0), Run(2, 4, 2, 1.0));
        Assert.Equal(StudyOutcome.NotReproduced, verdict.Outcome);
        Assert.Contains("93.0 %", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Inconclusive_with_one_seed_and_the_figure_is_accuracy_against_heads_per_depth()
    {
        Assert.Equal(StudyOutcome.Inconclusive, Judge(Run(1, 1, 1, 1.0), Run(2, 1, 1, 1.0)).Outcome);
        var results = StudyAggregation.Aggregate(Study, [Run(1, 1, 1, 0.9), Run(1, 1, 2, 1.0), Run(1, 4, 1, 0.5)]);
        Assert.Equal(0.95, results.Point("1 layer", 1)!.Mean, 12);
        Assert.True(results.Point("1 layer", 1)!.High <= 1); // a rate: the interval is clipped to [0, 1]
        Assert.Equal(6, Study.Configurations);
    }

    /// <summary>The rule's threshold from both sides (a mean of exactly 0.95 passes, 0.9499 does not) and each
    /// outcome's whole text: the sentence and every number it quotes.</summary>
    private static readonly Dictionary<string, (StudyRun[] Runs, StudyOutcome Outcome)> Cases = new()
    {
        ["exactly-at-bar"] = ([Run(1, 1, 1, 0.95), Run(1, 1, 2, 0.95), Run(1, 2, 1, 0.5), Run(1, 2, 2, 0.7), Run(2, 1, 1, 1), Run(2, 1, 2, 1)], StudyOutcome.Reproduced),
        ["just-below-bar"] = ([Run(1, 1, 1, 0.9499), Run(1, 1, 2, 0.9499), Run(2, 4, 1, 1), Run(2, 4, 2, 0.98)], StudyOutcome.NotReproduced),
        ["one-seed"] = ([Run(1, 1, 1, 1.0), Run(2, 1, 1, 1.0)], StudyOutcome.Inconclusive),
        ["no-one-layer-one-head"] = ([Run(2, 1, 1, 1.0), Run(2, 1, 2, 1.0)], StudyOutcome.Inconclusive),
    };

    public static TheoryData<string> Scenarios() => GoldenText.Scenarios(Cases.Keys);

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Verdict_outcome_and_text_at_the_threshold_and_per_outcome(string scenario)
    {
        var (runs, outcome) = Cases[scenario];
        GoldenText.Verdict("verdict-texts.json", $"refex-compose/{scenario}", Judge(runs), outcome);
    }
}
