using System.Globalization;
using LayerLab.Training.Experiments.WidthVsDepth;
using LayerLab.Training.Studies;

namespace LayerLab.Tests.Unit.Studies;

public sealed class WidthVsDepthStudyTests
{
    private static readonly StudyDefinition Study = WidthVsDepthStudies.MinWidthPlateau;
    private static readonly int[] Depths = [2, 4, 8, 16, 32];

    /// <summary>A run whose width-1 and width-4 test MSE per depth come from the two functions.</summary>
    private static StudyRun Run(long seed, Func<int, double> width1, Func<int, double> width4)
    {
        var summary = new Dictionary<string, double> { ["variance"] = 0.25 };
        foreach (var d in Depths)
        {
            summary[string.Create(CultureInfo.InvariantCulture, $"test_mse/w1/d{d}")] = width1(d);
            summary[string.Create(CultureInfo.InvariantCulture, $"test_mse/w4/d{d}")] = width4(d);
        }
        return new StudyRun(new Dictionary<string, string>(), seed, StudyRunState.Succeeded, summary);
    }

    private static StudyVerdict Judge(params StudyRun[] runs) => Study.Verdict(StudyAggregation.Aggregate(Study, runs));

    [Fact]
    public void Reproduced_when_width_1_is_flat_and_width_4_far_lower()
    {
        // Seed 1 as measured here: width 1 0.2174 at depth 2, 0.2074 at 4, then 0.25; width 4 down to 0.0053.
        double W1(int d) => d == 2 ? 0.2174 : d == 4 ? 0.2074 : 0.25;
        double W4(int d) => d == 8 ? 0.0053 : 0.03;
        var verdict = Judge(Run(1, W1, W4), Run(2, d => W1(d) + 0.002, W4));
        Assert.Equal(StudyOutcome.Reproduced, verdict.Outcome);
        Assert.Contains("width 4: best 0.0053", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_reproduced_when_width_1_keeps_improving_with_depth()
    {
        var verdict = Judge(Run(1, d => 0.22 / d, _ => 0.001), Run(2, d => 0.22 / d, _ => 0.001));
        Assert.Equal(StudyOutcome.NotReproduced, verdict.Outcome);
        Assert.Contains("keeps improving", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_reproduced_when_width_1_explains_most_of_the_variance_even_flat()
    {
        var verdict = Judge(Run(1, _ => 0.05, _ => 0.001), Run(2, _ => 0.05, _ => 0.001));
        Assert.Equal(StudyOutcome.NotReproduced, verdict.Outcome);
        Assert.Contains("more than half the variance", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Inconclusive_when_wider_networks_do_not_train_or_with_one_seed()
    {
        Assert.Equal(StudyOutcome.Inconclusive, Judge(Run(1, _ => 0.22, _ => 0.2), Run(2, _ => 0.22, _ => 0.2)).Outcome);
        Assert.Equal(StudyOutcome.Inconclusive, Judge(Run(1, _ => 0.22, _ => 0.001)).Outcome);
        var figure = StudyAggregation.Aggregate(Study, [Run(1, _ => 0.22, _ => 0.001), Run(2, _ => 0.24, _ => 0.001)]);
        Assert.Equal(0.23, figure.Point("width 1", 8)!.Mean, 12);
        Assert.Equal(5, figure.PointsOf("width 4").Count);
    }

    /// <summary>Two identical seeds (exact means) with any widths; width → MSE per depth; variance 0.25.</summary>
    private static StudyRun[] Exact(Dictionary<int, Func<int, double>> widths, double variance = 0.25) =>
        [.. new long[] { 1, 2 }.Select(seed =>
        {
            var summary = new Dictionary<string, double> { ["variance"] = variance, ["other/w1/d2"] = 9, ["test_mse/w1"] = 9, ["test_mse/x/d2"] = 9 };
            foreach (var (width, mse) in widths)
            foreach (var d in Depths) summary[string.Create(CultureInfo.InvariantCulture, $"test_mse/w{width}/d{d}")] = mse(d);
            return new StudyRun(new Dictionary<string, string>(), seed, StudyRunState.Succeeded, summary);
        })];

    /// <summary>Width 1 at 0.25 at depth 2 and <paramref name="deeper"/> from depth 4 on; width 4 at <paramref name="wide"/>.</summary>
    private static StudyRun[] Shape(double deeper, double wide, double shallow = 0.25) =>
        Exact(new() { [1] = d => d == 2 ? shallow : d == 8 ? deeper : deeper + 0.01, [4] = d => d == 16 ? wide : wide + 0.001 });

    /// <summary>(a), (b) and (c) each exactly on its threshold (0.8 × 0.25 = 0.2; 0.5 × 0.25 = 0.125; 0.25 × 0.2 =
    /// 0.05: all exact in binary) and just past it, and each outcome's whole text with its numbers.</summary>
    private static readonly Dictionary<string, (StudyRun[] Runs, StudyOutcome Outcome)> Cases = new()
    {
        ["a-deeper-exactly-0.8-of-depth-2"] = (Shape(deeper: 0.2, wide: 0.001), StudyOutcome.NotReproduced),
        ["a-deeper-just-above-0.8"] = (Shape(deeper: 0.2001, wide: 0.001), StudyOutcome.Reproduced),
        ["b-best-exactly-half-the-variance"] = (Shape(deeper: 0.125, wide: 0.001, shallow: 0.15), StudyOutcome.NotReproduced),
        ["b-best-just-above-half"] = (Shape(deeper: 0.1251, wide: 0.001, shallow: 0.15), StudyOutcome.Reproduced),
        ["c-widest-exactly-a-quarter"] = (Shape(deeper: 0.2, wide: 0.05, shallow: 0.2), StudyOutcome.Inconclusive),
        ["c-widest-just-below-a-quarter"] = (Shape(deeper: 0.2, wide: 0.0499, shallow: 0.2), StudyOutcome.Reproduced),
        // Width 16 is the widest (by number, not by name: "width 16" sorts before "width 4") and it did not train.
        ["widest-by-number"] = (Exact(new() { [1] = _ => 0.25, [4] = _ => 0.001, [16] = _ => 0.2 }), StudyOutcome.Inconclusive),
        ["width-1-only"] = (Exact(new() { [1] = _ => 0.25 }), StudyOutcome.Inconclusive),
        ["no-runs"] = ([], StudyOutcome.Inconclusive),
        ["one-seed"] = ([Exact(new() { [1] = _ => 0.25, [4] = _ => 0.001 })[0]], StudyOutcome.Inconclusive),
    };

    public static TheoryData<string> Scenarios() => GoldenText.Scenarios(Cases.Keys);

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Verdict_outcome_and_text_at_the_thresholds_and_per_outcome(string scenario)
    {
        var (runs, outcome) = Cases[scenario];
        GoldenText.Verdict("verdict-texts.json", $"width-vs-depth/{scenario}", Judge(runs), outcome);
    }

    [Fact]
    public void Only_test_mse_keys_of_the_form_w_width_d_depth_are_drawn()
    {
        var results = StudyAggregation.Aggregate(Study, Exact(new() { [1] = _ => 0.25 }));
        Assert.Equal([WidthVsDepthStudies.VarianceSeries, "width 1"], results.Series.Select(s => s.Name).Order(StringComparer.Ordinal));
        Assert.Equal(Depths.Select(d => (double)d), results.PointsOf("width 1").Select(p => p.X));
        Assert.Equal("width 12", WidthVsDepthStudies.Series(12));
    }
}
