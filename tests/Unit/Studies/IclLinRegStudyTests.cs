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

    /// <summary>Every depth at ratio(L) to its reference, two seeds at ±spread around it.</summary>
    private static StudyRun[] At(Func<int, double> ratio, double spread = 0) =>
        [.. Refs.SelectMany(r => new[] { Run(r.L, 1, r.Gd * ratio(r.L) * (1 + spread), r.Gd), Run(r.L, 2, r.Gd * ratio(r.L) * (1 - spread), r.Gd) })];

    /// <summary>The 2 % tolerance from both sides (a ratio of exactly 1.02 passes, 1.0201 fails) and each outcome's
    /// whole text: the sentence, which depths fail, and every depth's numbers.</summary>
    private static readonly Dictionary<string, (StudyRun[] Runs, StudyOutcome Outcome)> Cases = new()
    {
        ["exactly-at-tolerance"] = ([.. Refs.SelectMany(r => new[] { Run(r.L, 1, 1.02, 1), Run(r.L, 2, 1.02, 1) })], StudyOutcome.Reproduced),
        ["just-above-tolerance-at-L3"] = ([.. Refs.SelectMany(r => new[] { Run(r.L, 1, r.L == 3 ? 1.0201 : 1, 1), Run(r.L, 2, r.L == 3 ? 1.0201 : 1, 1) })], StudyOutcome.NotReproduced),
        ["below-reference-with-spread"] = (At(_ => 0.9, spread: 0.01), StudyOutcome.Reproduced),
        ["two-depths-fail"] = (At(l => l >= 3 ? 1.2 : 1), StudyOutcome.NotReproduced),
        ["one-seed"] = ([.. Refs.Select(r => Run(r.L, 1, r.Gd, r.Gd))], StudyOutcome.Inconclusive),
        ["a-failed-run"] = ([.. At(_ => 1), Run(2, 3, 1, 1, StudyRunState.Failed)], StudyOutcome.Inconclusive),
        ["a-pending-run"] = ([.. At(_ => 1), Run(2, 3, 1, 1, StudyRunState.Pending)], StudyOutcome.Inconclusive),
        ["no-runs"] = ([], StudyOutcome.Inconclusive),
    };

    public static TheoryData<string> Scenarios() => GoldenText.Scenarios(Cases.Keys);

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Verdict_outcome_and_text_at_the_threshold_and_per_outcome(string scenario)
    {
        var (runs, outcome) = Cases[scenario];
        GoldenText.Verdict("verdict-texts.json", $"icl-linreg/{scenario}", Judge(runs), outcome);
    }

    [Fact]
    public void A_run_without_a_depth_or_a_test_loss_adds_no_model_point()
    {
        var results = StudyAggregation.Aggregate(Study, [new StudyRun(new Dictionary<string, string> { ["layers"] = "x" }, 1, StudyRunState.Succeeded,
            new Dictionary<string, double> { ["test_loss"] = 1 }), new StudyRun(new Dictionary<string, string> { ["layers"] = "2" }, 1, StudyRunState.Succeeded,
            new Dictionary<string, double> { ["ref/gdL"] = 0.5, ["ref/gd1"] = 0.7 })]);
        Assert.Empty(results.PointsOf(IclLinRegStudies.Model));
        Assert.Equal(0.5, results.Point(IclLinRegStudies.Gd, 2)!.Mean);
    }
}
