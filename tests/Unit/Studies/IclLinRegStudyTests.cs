using LayerLab.Training.Experiments.IclLinReg;
using LayerLab.Training.Studies;

namespace LayerLab.Tests.Unit.Studies;

public sealed class IclLinRegStudyTests
{
    private static readonly StudyDefinition Study = IclLinRegStudies.LossVsLayers;

    /// <summary>A run at depth L with its test loss and its GD reference (ref/gd1 for L = 1, ref/gdL otherwise).</summary>
    private static StudyRun Run(int layers, long seed, double loss, double gd, StudyRunState state = StudyRunState.Succeeded)
    {
        var summary = new Dictionary<string, double> { ["test_loss"] = loss, ["ref/gd1"] = layers == 1 ? gd : 0.2043 };
        if (layers > 1) summary["ref/gdL"] = gd;
        return new StudyRun(new Dictionary<string, string> { ["layers"] = layers.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            seed, state, state == StudyRunState.Succeeded ? summary : null);
    }

    private static StudyVerdict Judge(IEnumerable<StudyRun> runs) => Study.Verdict(StudyAggregation.Aggregate(Study, runs));

    private static readonly (int L, double Gd)[] Refs = [(1, 0.2043), (2, 0.1644), (3, 0.14), (4, 0.125)];

    [Fact]
    public void Reproduced_when_every_depth_reaches_its_gd_reference()
    {
        var verdict = Judge(Refs.SelectMany(r => new[] { Run(r.L, 1, r.Gd * 1.005, r.Gd), Run(r.L, 2, r.Gd * 0.995, r.Gd) }));
        Assert.Equal(StudyOutcome.Reproduced, verdict.Outcome);
        Assert.Contains("L=2: 0.1644", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_reproduced_when_two_layers_beat_one_gd_step_but_not_two()
    {
        // The case: 2 layers at 0.2067 "beat" GD* (0.2185 there) but 2 GD steps reach 0.1644.
        var runs = Refs.SelectMany(r => new[] { Run(r.L, 1, r.L == 2 ? 0.2067 : r.Gd, r.Gd), Run(r.L, 2, r.L == 2 ? 0.2060 : r.Gd, r.Gd) });
        var verdict = Judge(runs);
        Assert.Equal(StudyOutcome.NotReproduced, verdict.Outcome);
        Assert.Contains("L = 2 stays", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_reproduced_when_one_layer_misses_gd_star_by_more_than_2_percent()
    {
        var runs = Refs.SelectMany(r => new[] { Run(r.L, 1, r.L == 1 ? r.Gd * 1.03 : r.Gd, r.Gd), Run(r.L, 2, r.L == 1 ? r.Gd * 1.03 : r.Gd, r.Gd) });
        Assert.Equal(StudyOutcome.NotReproduced, Judge(runs).Outcome);
    }

    [Fact]
    public void Inconclusive_with_one_seed_or_a_failed_run()
    {
        Assert.Equal(StudyOutcome.Inconclusive, Judge(Refs.Select(r => Run(r.L, 1, r.Gd, r.Gd))).Outcome);
        var failed = Refs.SelectMany(r => new[] { Run(r.L, 1, r.Gd, r.Gd), Run(r.L, 2, r.Gd, r.Gd, r.L == 3 ? StudyRunState.Failed : StudyRunState.Succeeded) });
        Assert.Equal(StudyOutcome.Inconclusive, Judge(failed).Outcome);
    }
}
