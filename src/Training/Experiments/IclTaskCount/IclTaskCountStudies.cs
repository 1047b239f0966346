using System.Globalization;
using LayerLab.Training.Studies;

namespace LayerLab.Training.Experiments.IclTaskCount;

/// <summary>The claims one run cannot test: how the tasks needed grow with d, and what a context-length mismatch costs.</summary>
public static class IclTaskCountStudies
{
    public const string TasksSeries = "tasks needed (risk within 5% of Γ*)";
    public const string MismatchSeries = "mismatch cost (fresh tasks vs Γ* at n_test)";
    public const string TrainLengthSeries = "n_train";
    /// <summary>Slope of log(tasks needed) on log d that separates "barely depends on d" from growth with d.</summary>
    public const double SlopeThreshold = 0.5;
    /// <summary>A mismatch "costs accuracy" when its 95% interval lies above this excess risk.</summary>
    public const double MismatchThreshold = 0.01;
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static StudyDefinition TasksVsDimension { get; } = new()
    {
        Key = "tasks-vs-d",
        Title = "Tasks needed vs dimension d",
        Claim = "The number of pretraining tasks a one-layer linear-attention model needs barely depends on d " +
                "(Wu et al., arXiv 2310.08391).",
        Thresholds = "Fit log(tasks needed) = a + b·log d over every seed's value (d = 4…32, " +
                     "pools 1, 2, 4, …, 65536). Reproduced if the 95% interval of the slope b lies below 0.5 (sub-√d " +
                     "growth); Not reproduced if it lies above 0.5; Inconclusive if it contains 0.5, or a seed found no " +
                     "pool within 5% of Γ* (budget too small).",
        // pow2 pools: powers of 4 would quantise the slope to steps of 2 per doubling.
        Parameters = new Dictionary<string, string> { ["pools"] = "pow2_1_65536", ["pool_posterior_max"] = "0" },
        Axes = [new StudyAxis("d", ["4", "8", "16", "32"])],
        Seeds = 3,
        Figure = new StudyFigure("dimension d", "tasks needed", "measure", LogX: true, LogY: true),
        Paper = [],
        TableMetrics = ["tasks_needed", "ratio_gamma_star/M=1", "ratio_gamma_star/M=inf", "test_mse_ratio_bayes"],
        // Calibrated on the measured study: ~250 portal CPU-seconds for the 12 runs (d = 32 dominates).
        SecondsPerJob = p => 4 + double.Parse(p.GetValueOrDefault("d", "8"), C),
        Observe = run => run.Summary!.GetValueOrDefault("tasks_needed_found") == 1 && double.TryParse(run.Parameter("d"), C, out var d)
            ? [new StudyObservation(TasksSeries, d, run.Summary!["tasks_needed"])]
            : [],
        Verdict = TasksVerdict,
    };

    public static StudyDefinition LengthMismatch { get; } = new()
    {
        Key = "length-mismatch",
        Title = "Train/test context-length mismatch",
        Claim = "A context-length mismatch between pretraining and test costs accuracy (Wu et al., arXiv 2310.08391).",
        Thresholds = "Train at n_train = 16, test at n_test ∈ {16, 32, 64, 128}; mismatch cost = " +
                     "risk of the fresh-task model at n_test / risk of Γ* tuned for n_test − 1. Reproduced if at every " +
                     "n_test ≠ n_train the 95% interval lies above 1%; Not reproduced if any lies below 1%; else Inconclusive.",
        Parameters = new Dictionary<string, string> { ["pools"] = "pow4_1_4096", ["pool_posterior_max"] = "0", ["n_train"] = "16" },
        Axes = [new StudyAxis("n_test", ["16", "32", "64", "128"])],
        Seeds = 3,
        Figure = new StudyFigure("test context length n_test", "excess risk over Γ* at n_test", "measure", LogX: true),
        Paper = [],
        TableMetrics = ["mismatch_cost", "test_mse", "ref/mismatch_cost", "test_mse_ratio_bayes"],
        SecondsPerJob = _ => 6,
        // The training length rides along (not drawn) so the verdict knows which test length is the matched one.
        Observe = run => double.TryParse(run.Parameter("n_test"), C, out var n) && run.Summary!.TryGetValue("mismatch_cost", out var cost)
            && double.TryParse(run.Parameter("n_train"), C, out var nTrain)
            ? [new StudyObservation(MismatchSeries, n, cost), new StudyObservation(TrainLengthSeries, n, nTrain, Plot: false)]
            : [],
        Verdict = MismatchVerdict,
    };

    public static IReadOnlyList<StudyDefinition> All { get; } = [TasksVsDimension, LengthMismatch];

    public static StudyVerdict TasksVerdict(StudyResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Guard() is { } early) return early;
        var points = results.PointsOf(TasksSeries);
        // A seed with no pool within tolerance contributes no observation: n drops below the seeds run.
        if (points.Count < 2 || points.Any(p => p.N < results.MinSeeds))
            return StudyVerdict.Inconclusive("Budget too small or too few seeds: some d has fewer than " +
                                             $"{results.MinSeeds} seeds that found a pool within 5% of Γ*.");
        var fit = StudyAggregation.LogLogSlope(points);
        if (fit is null) return StudyVerdict.Inconclusive("Too few values to fit a slope.");
        var (slope, low, high, n) = fit.Value;
        var table = string.Join(", ", points.Select(p => string.Create(C, $"d={p.X:0}: {p.Mean:0.#} (n={p.N})")));
        var numbers = string.Create(C, $"log-log slope {slope:0.00} (95% CI {low:0.00} to {high:0.00}, {n} values); mean tasks needed {table}.");
        return high < SlopeThreshold ? StudyVerdict.Reproduced($"Reproduced: tasks needed grow slower than √d. {numbers}")
            : low > SlopeThreshold ? StudyVerdict.NotReproduced($"Not reproduced: tasks needed grow faster than √d with d. {numbers}")
            : StudyVerdict.Inconclusive($"Inconclusive: the slope's interval contains {SlopeThreshold}. {numbers}");
    }

    public static StudyVerdict MismatchVerdict(StudyResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var points = results.PointsOf(MismatchSeries);
        if (results.Guard([.. points.Select(p => (MismatchSeries, p.X))]) is { } early) return early;
        var mismatched = points.Where(p => Math.Abs(p.X - (results.Point(TrainLengthSeries, p.X)?.Mean ?? double.NaN)) > 0.5).ToList();
        if (mismatched.Count == 0) return StudyVerdict.Inconclusive("No test length differs from the training length.");
        var numbers = string.Join("; ", points.Select(p => string.Create(C,
            $"n_test={p.X:0}: {p.Mean:+0.0%;-0.0%} (95% CI {p.Low:+0.0%;-0.0%} to {p.High:+0.0%;-0.0%}, n={p.N})"))) + ".";
        if (mismatched.All(p => p.Low > MismatchThreshold))
            return StudyVerdict.Reproduced($"Reproduced: every mismatched test length costs more than {MismatchThreshold:P0}. {numbers}");
        if (mismatched.Any(p => p.High < MismatchThreshold))
            return StudyVerdict.NotReproduced($"Not reproduced: some mismatched length costs less than {MismatchThreshold:P0}. {numbers}");
        return StudyVerdict.Inconclusive($"Inconclusive: some interval contains {MismatchThreshold:P0}. {numbers}");
    }
}
