using System.Globalization;
using LayerLab.Training.Studies;

namespace LayerLab.Training.Experiments.WideAttention;

/// <summary>Accuracy and step time against layers × heads (24 heads in all), over seeds: is one wide layer as accurate
/// and faster?</summary>
public static class WideAttentionStudies
{
    /// <summary>Accuracy: 1 × 24's seed mean may be at most this far below the best deeper shape's mean.</summary>
    public const double AccuracyTolerance = 0.01;
    /// <summary>The claim needs a learned task: the best shape's mean at least this far above the majority class (else
    /// equal accuracy only means every shape sits at the floor).</summary>
    public const double LearnedMargin = WideAttentionExperiment.LearnedMargin;

    public const string AccuracySeries = "test accuracy";
    public const string StepSeries = "step time (ms)";
    public const string ForwardSeries = "forward time (ms per batch)";
    public const string MajoritySeries = "majority class";

    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static StudyDefinition AccuracyAndSpeedVsShape { get; } = new()
    {
        Key = "accuracy-and-speed-vs-shape",
        Title = "Accuracy and step time vs layers × heads (24 heads in all)",
        Claim = "With 24 attention heads in total, one wide layer (1 × 24) is about as accurate on ListOps as 6 × 4 and " +
                "3 × 8 (within about 1 %) and faster (arXiv 2210.00640).",
        Thresholds = "Seed means over ≥ 2 seeds per shape (95 % t-intervals). Speed: Not reproduced if 1 × 24's median " +
                     "training step time is not below every deeper shape's. Learned: Inconclusive if no shape's mean " +
                     "accuracy is ≥ 5 points above the majority class (equal accuracy at the floor says nothing). " +
                     "Accuracy: let gap = best deeper shape's mean − 1 × 24's mean; within if gap ≤ 1 percentage point; " +
                     "Not reproduced if gap > 1 point and the two intervals do not overlap; Inconclusive if gap > 1 point " +
                     "but they overlap (seed noise too large to tell). Reproduced if speed and accuracy both hold.",
        // Longer than a default run (600 steps) so the shapes are compared nearer convergence; still ~5 min of CPU.
        Parameters = new Dictionary<string, string> { ["steps"] = "1000" },
        Axes = [new StudyAxis("shape", [.. AttentionShape.All.Select(s => s.Key)])],
        Seeds = 3,
        Figure = new StudyFigure("layers (heads per layer = 24 / layers)", "test accuracy", "metric", LogX: true, YMin: 0, YMax: 1),
        MoreFigures = [new StudyExtraFigure(
            new StudyFigure("layers (heads per layer = 24 / layers)", "milliseconds (median per step / per batch)", "metric", LogX: true, YMin: 0),
            [StepSeries, ForwardSeries])],
        Paper = [],
        TableMetrics = ["accuracy", "step_ms", "step_cpu_ms", "forward_ms", "param_count", "train_loss", "majority"],
        // From measured CPU time per run (docs/benchmarks.md: 600-step runs took 13 / 18 / 26 s of CPU for 1x24 / 3x8 /
        // 6x4 under load, i.e. about a quiet machine's wall time), scaled to 1,000 steps, rounded up.
        SecondsPerJob = p => AttentionShape.Parse(p.GetValueOrDefault("shape", "1x24")).Layers switch { 6 => 50, 3 => 35, _ => 25 },
        Observe = Observe,
        Verdict = Verdict,
    };

    public static IReadOnlyList<StudyDefinition> All { get; } = [AccuracyAndSpeedVsShape];

    private static IEnumerable<StudyObservation> Observe(StudyRun run)
    {
        AttentionShape shape;
        try { shape = AttentionShape.Parse(run.Parameter("shape")); }
        catch (ArgumentException) { yield break; }
        var s = run.Summary!;
        if (s.TryGetValue("accuracy", out var accuracy)) yield return new StudyObservation(AccuracySeries, shape.Layers, accuracy);
        if (s.TryGetValue("majority", out var majority)) yield return new StudyObservation(MajoritySeries, shape.Layers, majority, Plot: false);
        if (s.TryGetValue("step_ms", out var step)) yield return new StudyObservation(StepSeries, shape.Layers, step, Plot: false);
        if (s.TryGetValue("forward_ms", out var forward)) yield return new StudyObservation(ForwardSeries, shape.Layers, forward, Plot: false);
    }

    public static StudyVerdict Verdict(StudyResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var shapes = AttentionShape.All;
        var needed = shapes.SelectMany(s => new[] { (AccuracySeries, (double)s.Layers), (StepSeries, (double)s.Layers) }).ToArray();
        if (results.Guard(needed) is { } early) return early;
        var wide = shapes.Single(s => s.Layers == 1);
        var deeper = shapes.Where(s => s.Layers > 1).ToList();
        StudyPoint Acc(AttentionShape s) => results.Point(AccuracySeries, s.Layers)!;
        StudyPoint Step(AttentionShape s) => results.Point(StepSeries, s.Layers)!;

        var perShape = string.Join("; ", shapes.Select(s => string.Create(C,
            $"{s}: accuracy {Acc(s).Mean:P1} (95% CI {Acc(s).Low:P1}–{Acc(s).High:P1}, n={Acc(s).N}), step {Step(s).Mean:0.0} ms")));
        var bestDeep = deeper.MaxBy(s => Acc(s).Mean)!;
        var fastestDeep = deeper.MinBy(s => Step(s).Mean)!;
        var gap = Acc(bestDeep).Mean - Acc(wide).Mean;
        var speedup = Step(fastestDeep).Mean / Step(wide).Mean;
        var majority = results.PointsOf(MajoritySeries).Select(p => p.Mean).DefaultIfEmpty(ListOpsData.Chance).Max();
        var best = shapes.Max(s => Acc(s).Mean);
        var numbers = string.Create(C,
            $"{perShape}. Gap (best deeper {bestDeep} − 1 × 24) {gap * 100:+0.0;−0.0;0.0} points; 1 × 24 step time {1 / speedup:0.00} × the fastest deeper shape ({fastestDeep}); majority class {majority:P1}.");

        if (speedup <= 1)
            return StudyVerdict.NotReproduced($"Not reproduced: the single wide layer is not faster per training step. {numbers}");
        if (best < majority + LearnedMargin)
            return StudyVerdict.Inconclusive(string.Create(C, $"Inconclusive: no shape learned the task (best {best:P1} < majority + {LearnedMargin * 100:0} points), so equal accuracy says nothing. {numbers}"));
        if (gap <= AccuracyTolerance)
            return StudyVerdict.Reproduced(string.Create(C, $"Reproduced: 1 × 24 is within {AccuracyTolerance * 100:0} point of the deeper shapes and {speedup:0.0} × faster per step. {numbers}"));
        if (Acc(wide).High < Acc(bestDeep).Low)
            return StudyVerdict.NotReproduced(string.Create(C, $"Not reproduced: 1 × 24 is {gap * 100:0.0} points less accurate than {bestDeep} (beyond {AccuracyTolerance * 100:0} point, intervals apart), though {speedup:0.0} × faster. {numbers}"));
        return StudyVerdict.Inconclusive(string.Create(C, $"Inconclusive: 1 × 24 is {gap * 100:0.0} points below {bestDeep} on the means, but the seed intervals overlap; more seeds are needed. {numbers}"));
    }
}
