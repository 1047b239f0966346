using System.Globalization;
using LayerLab.Training.Experiments.XorPrelu;
using LayerLab.Training.Studies;

namespace LayerLab.Tests.Unit.Studies;

public sealed class XorPreluStudyTests
{
    private static readonly string[] Lrs = ["0.001", "0.00316", "0.01", "0.0316", "0.1", "0.316", "1"];
    private static readonly StudyDefinition Study = XorPreluStudies.SuccessVsLearningRate;

    /// <summary>One run: success per grid learning rate for PReLU, MLP and GCU (the keys XorSummary writes).</summary>
    private static StudyRun Run(string coding, string init, long seed, double[] prelu, double[] mlp, double[] gcu,
        StudyRunState state = StudyRunState.Succeeded)
    {
        var summary = new Dictionary<string, double>();
        foreach (var (key, values) in new[] { ("prelu", prelu), ("mlp", mlp), ("gcu", gcu) })
            for (var i = 0; i < Lrs.Length; i++) summary[$"success/{key}@lr={Lrs[i]}"] = values[i];
        return new StudyRun(new Dictionary<string, string> { ["input_coding"] = coding, ["init_scale"] = init }, seed, state,
            state == StudyRunState.Succeeded ? summary : null);
    }

    private static readonly double[] Wide = [0.9, 1, 1, 1, 1, 1, 0.8];
    private static readonly double[] Narrow = [0.2, 0.5, 0.9, 1, 1, 0.7, 0.1];
    private static readonly double[] Never = [0.5, 0.9, 0.95, 0.95, 0.9, 0.8, 0.6];
    private static readonly double[] Stuck = [0.63, 0.63, 0.64, 0.63, 0.63, 0.62, 0.6];

    private static IEnumerable<StudyRun> Grid(Func<string, string, long, StudyRun> run, int seeds = 3) =>
        from coding in new[] { "01", "pm1" } from init in new[] { "1", "0.1" } from seed in Enumerable.Range(1, seeds)
        select run(coding, init, seed);

    private static StudyVerdict Judge(IEnumerable<StudyRun> runs) => Study.Verdict(StudyAggregation.Aggregate(Study, runs));

    [Fact]
    public void Reproduced_when_prelus_band_is_strictly_wider_in_the_papers_setting()
    {
        var verdict = Judge(Grid((c, i, s) => Run(c, i, s, Wide, Never, Narrow)));
        Assert.Equal(StudyOutcome.Reproduced, verdict.Outcome);
        Assert.Contains("PReLU 100% on 5 grid points (lr 0.00316–0.316)", verdict.Text, StringComparison.Ordinal);
        Assert.Contains("MLP never 100% (best mean 0.95)", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_reproduced_when_prelu_is_stuck_below_100_percent_with_01_inputs()
    {
        // The measured {0,1} picture: PReLU stuck near 63% everywhere, while ±1 inputs would pass.
        var verdict = Judge(Grid((c, i, s) => Run(c, i, s, c == "01" ? Stuck : Wide, Never, Narrow)));
        Assert.Equal(StudyOutcome.NotReproduced, verdict.Outcome);
        Assert.Contains("PReLU never 100% (best mean 0.64)", verdict.Text, StringComparison.Ordinal);
        Assert.Contains("±1 · init 1: PReLU 100% on 5 grid points", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_reproduced_when_the_bands_are_equally_wide()
    {
        Assert.Equal(StudyOutcome.NotReproduced, Judge(Grid((c, i, s) => Run(c, i, s, Narrow, Never, Narrow))).Outcome);
    }

    [Fact]
    public void One_seed_below_100_percent_breaks_the_band_at_that_learning_rate()
    {
        // Seed 2 misses one trial at lr 0.01 for PReLU: the study-level band shrinks to 0.0316–0.316 (3 points).
        double[] dented = [0.9, 1, 0.99, 1, 1, 1, 0.8];
        var results = StudyAggregation.Aggregate(Study, Grid((c, i, s) => Run(c, i, s, s == 2 ? dented : Wide, Never, Narrow)));
        var band = XorPreluStudies.Band(results, XorPreluStudies.SeriesName(XorModel.Prelu, "01", "1"));
        Assert.Equal((3, 0.0316, 0.316), (band.Points, band.LrLow, band.LrHigh));
    }

    [Fact]
    public void Inconclusive_with_too_few_seeds_or_a_failed_run()
    {
        Assert.Equal(StudyOutcome.Inconclusive, Judge(Grid((c, i, s) => Run(c, i, s, Wide, Never, Narrow), seeds: 2)).Outcome);
        var failed = Grid((c, i, s) => Run(c, i, s, Wide, Never, Narrow,
            c == "01" && i == "1" && s == 1 ? StudyRunState.Failed : StudyRunState.Succeeded));
        var verdict = Judge(failed);
        Assert.Equal(StudyOutcome.Inconclusive, verdict.Outcome);
        Assert.Contains("failed", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Observations_read_every_grid_learning_rate_of_a_run()
    {
        var results = StudyAggregation.Aggregate(Study, [Run("01", "1", 1, Wide, Never, Narrow)]);
        Assert.Equal(3 * Lrs.Length, results.Series.Sum(s => s.Points.Count));
        Assert.Equal(double.Parse(Lrs[0], CultureInfo.InvariantCulture), results.Series[0].Points[0].X);
    }

    /// <summary>PReLU 100% from 0.00316 to 0.1 (4 points) with the last one exactly at the rule's floor 1 − 1e-12.</summary>
    private static readonly double[] FourAtFloor = [0.9, 1, 1, 1, 1 - 1e-12, 0.9, 0.8];
    private static readonly double[] FourJustBelowFloor = [0.9, 1, 1, 1, 1 - 2e-12, 0.9, 0.8];
    private static readonly double[] Four = [0.2, 1, 1, 1, 1, 0.5, 0.1];
    private static readonly double[] Three = [0.2, 1, 1, 1, 0.9, 0.5, 0.1];

    /// <summary>The band rule at its edges (a mean of exactly 1 − 1e-12 is 100%; "strictly wider" than each of MLP and
    /// GCU, a tie with either fails), the paper's setting missing, and each outcome's whole text.</summary>
    private static readonly Dictionary<string, (List<StudyRun> Runs, StudyOutcome Outcome)> Cases = new()
    {
        ["wide-prelu"] = ([.. Grid((c, i, s) => Run(c, i, s, Wide, Never, Narrow))], StudyOutcome.Reproduced),
        ["stuck-on-01"] = ([.. Grid((c, i, s) => Run(c, i, s, c == "01" ? Stuck : Wide, Never, Narrow))], StudyOutcome.NotReproduced),
        ["mean-exactly-at-floor-counts"] = ([.. Grid((c, i, s) => Run(c, i, s, FourAtFloor, Three, Three))], StudyOutcome.Reproduced),
        ["mean-just-below-floor-breaks-the-band"] = ([.. Grid((c, i, s) => Run(c, i, s, FourJustBelowFloor, Three, Three))], StudyOutcome.NotReproduced),
        ["tie-with-mlp"] = ([.. Grid((c, i, s) => Run(c, i, s, Four, Four, Three))], StudyOutcome.NotReproduced),
        ["tie-with-gcu"] = ([.. Grid((c, i, s) => Run(c, i, s, Four, Three, Four))], StudyOutcome.NotReproduced),
        ["papers-setting-missing"] = ([.. Grid((c, i, s) => Run(c, i, s, Wide, Never, Narrow)).Where(r => r.Parameter("input_coding") == "pm1")], StudyOutcome.Inconclusive),
        ["two-seeds"] = ([.. Grid((c, i, s) => Run(c, i, s, Wide, Never, Narrow), seeds: 2)], StudyOutcome.Inconclusive),
        ["a-failed-run"] = ([.. Grid((c, i, s) => Run(c, i, s, Wide, Never, Narrow, c == "01" && i == "1" && s == 1 ? StudyRunState.Failed : StudyRunState.Succeeded))], StudyOutcome.Inconclusive),
        ["no-runs"] = ([], StudyOutcome.Inconclusive),
    };

    public static TheoryData<string> Scenarios() => GoldenText.Scenarios(Cases.Keys);

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Verdict_outcome_and_text_at_the_thresholds_and_per_outcome(string scenario)
    {
        var (runs, outcome) = Cases[scenario];
        GoldenText.Verdict("verdict-texts.json", $"xor-prelu/{scenario}", Judge(runs), outcome);
    }

    [Fact]
    public void A_model_missing_or_thin_in_one_configuration_makes_it_inconclusive()
    {
        // GCU has no results at ±1 · init 0.1 (only PReLU and MLP keys in those runs).
        var runs = Grid((c, i, s) => Run(c, i, s, Wide, Never, Narrow)).Select(r => r.Parameter("input_coding") == "pm1" && r.Parameter("init_scale") == "0.1"
            ? r with { Summary = r.Summary!.Where(p => !p.Key.StartsWith("success/gcu", StringComparison.Ordinal)).ToDictionary() } : r).ToList();
        var verdict = Judge(runs);
        Assert.Equal((StudyOutcome.Inconclusive, "Too few seeds: GCU · ±1 · init 0.1 has a learning rate with n < 3."), (verdict.Outcome, verdict.Text));
        // One learning rate of MLP at {0,1} · init 1 has 2 seeds: the key is missing from seed 3's run.
        var thin = Grid((c, i, s) => Run(c, i, s, Wide, Never, Narrow)).Select(r => r.Parameter("input_coding") == "01" && r.Parameter("init_scale") == "1" && r.Seed == 3
            ? r with { Summary = r.Summary!.Where(p => p.Key != "success/mlp@lr=1").ToDictionary() } : r).ToList();
        Assert.Equal("Too few seeds: MLP · {0,1} · init 1 has a learning rate with n < 3.", Judge(thin).Text);
        Assert.Equal(["PReLU · {0,1} · init 1", "MLP · ±1 · init 0.1"],
            new[] { XorPreluStudies.SeriesName(XorModel.Prelu, "01", "1"), XorPreluStudies.SeriesName(XorModel.Mlp, "pm1", "0.1") });
        Assert.Throws<ArgumentNullException>(() => XorPreluStudies.Band(null!, "x"));
    }
}
