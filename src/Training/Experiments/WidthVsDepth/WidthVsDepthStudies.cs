using System.Globalization;
using LayerLab.Training.Studies;

namespace LayerLab.Training.Experiments.WidthVsDepth;

/// <summary>Loss against depth, one line per width, over seeds: does width 1 plateau while wider networks do not?</summary>
public static class WidthVsDepthStudies
{
    /// <summary>Depth may buy width 1 at most this much: its best deeper loss above 0.8 × its depth-2 loss.</summary>
    public const double PlateauRatio = 0.8;
    /// <summary>...and width 1 stays above half the variance (a constant explains none of it).</summary>
    public const double PlateauFloor = 0.5;
    /// <summary>The width gap is real when the widest network's best is below a quarter of width 1's best.</summary>
    public const double GapRatio = 0.25;
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static StudyDefinition MinWidthPlateau { get; } = new()
    {
        Key = "min-width-plateau",
        Title = "Loss vs depth per width: width 1 plateaus",
        Claim = "Below the minimum width no depth suffices: a width-1 ReLU network's loss on f = sin 2πx₁ · sin 2πx₂ " +
                "plateaus whatever its depth (arXiv 2305.18460), while wider networks fit it far better.",
        Thresholds = "Means over ≥ 2 seeds of each cell's test MSE (best of 3 restarts by training loss). Reproduced if " +
                     "(a) width 1's best over depths ≥ 4 is above 0.8 × its depth-2 value (depth buys < 20 %), (b) width 1's " +
                     "best over all depths stays above 0.5 × the variance of f, and (c) the widest network's best is below " +
                     "0.25 × width 1's best. Not reproduced if (a) or (b) fails (width 1 keeps improving with depth). " +
                     "Inconclusive if only (c) fails: the wider networks did not train well enough to tell a plateau " +
                     "from a training failure.",
        Seeds = 3,
        Figure = new StudyFigure("depth (hidden layers)", "test MSE", "width", LogX: true, LogY: true, YMin: 0),
        Paper = [],
        TableMetrics = ["best_test_mse/w1", "best_test_mse/widest", "plateau_ratio/w1", "variance"],
        SecondsPerJob = _ => 8, // measured: 3 runs in 20 s through the portal
        Observe = Observe,
        Verdict = Verdict,
    };

    public static IReadOnlyList<StudyDefinition> All { get; } = [MinWidthPlateau];

    public static string Series(int width) => string.Create(C, $"width {width}");

    public const string VarianceSeries = "variance of f (predict the mean)";

    private static IEnumerable<StudyObservation> Observe(StudyRun run)
    {
        var s = run.Summary!;
        foreach (var (key, value) in s)
        {
            // test_mse/w{width}/d{depth}
            var parts = key.Split('/');
            if (parts.Length != 3 || parts[0] != "test_mse") continue;
            if (int.TryParse(parts[1].AsSpan(1), NumberStyles.Integer, C, out var width) && int.TryParse(parts[2].AsSpan(1), NumberStyles.Integer, C, out var depth))
                yield return new StudyObservation(Series(width), depth, value);
        }
        if (s.TryGetValue("variance", out var variance)) yield return new StudyObservation(VarianceSeries, 0, variance, Plot: false);
    }

    public static StudyVerdict Verdict(StudyResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var width1 = results.PointsOf(Series(1));
        var widths = results.Series.Select(s => s.Name).Where(n => n.StartsWith("width ", StringComparison.Ordinal)).ToList();
        if (width1.Count < 2 || widths.Count < 2) return results.Guard() ?? StudyVerdict.Inconclusive("Needs width 1 and a wider network at two depths or more.");
        var widest = widths.OrderBy(n => int.Parse(n.AsSpan(6), C)).Last();
        if (results.Guard([.. width1.Select(p => (Series(1), p.X)), .. results.PointsOf(widest).Select(p => (widest, p.X)), (VarianceSeries, 0)]) is { } early) return early;
        var variance = results.Point(VarianceSeries, 0)!.Mean;
        var shallow = width1[0];
        var deeper = width1.Skip(1).MinBy(p => p.Mean)!;
        var best1 = Math.Min(shallow.Mean, deeper.Mean);
        var bestWide = results.PointsOf(widest).MinBy(p => p.Mean)!;
        var numbers = string.Create(C,
            $"Width 1: {shallow.Mean:0.0000} at depth {shallow.X:0}, best deeper {deeper.Mean:0.0000} at depth {deeper.X:0} (ratio {deeper.Mean / shallow.Mean:0.00}); variance of f {variance:0.0000}; {widest}: best {bestWide.Mean:0.0000} at depth {bestWide.X:0} ({bestWide.Mean / best1:0.000} × width 1's best).");
        if (deeper.Mean <= PlateauRatio * shallow.Mean)
            return StudyVerdict.NotReproduced($"Not reproduced: width 1 keeps improving with depth (best deeper ≤ {PlateauRatio} × depth 2). {numbers}");
        if (best1 <= PlateauFloor * variance)
            return StudyVerdict.NotReproduced($"Not reproduced: width 1 explains more than half the variance. {numbers}");
        if (bestWide.Mean >= GapRatio * best1)
            return StudyVerdict.Inconclusive($"Inconclusive: the widest network is not clearly better (not below {GapRatio} × width 1), so a plateau cannot be told from a training failure. {numbers}");
        return StudyVerdict.Reproduced($"Reproduced: width 1 plateaus (depth buys < {1 - PlateauRatio:P0}) while {widest} goes far lower. {numbers}");
    }
}
