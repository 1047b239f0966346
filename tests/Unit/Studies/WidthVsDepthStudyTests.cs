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
}
