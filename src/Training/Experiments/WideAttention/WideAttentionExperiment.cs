using System.Diagnostics;
using System.Globalization;
using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.Shared;
using LayerLab.Training.Studies;
using Microsoft.Extensions.Logging;

namespace LayerLab.Training.Experiments.WideAttention;

/// <summary>
/// width-vs-depth §8, the wide-attention half (arXiv 2210.00640): a transformer encoder classifies synthetic ListOps
/// expressions with its 24 heads spent as 6 layers × 4, 3 × 8 or 1 × 24. The paper's claim is that one wide layer is
/// about as accurate as the deep stack and faster. One run trains one shape; the claim compares shapes across seeds
/// and is judged by the study accuracy-and-speed-vs-shape.
/// </summary>
public sealed class WideAttentionExperiment : IExperiment, IHasStudies
{
    /// <summary>A run has learned the task when its accuracy is this far above the majority class.</summary>
    public const double LearnedMargin = 0.05;

    public string Key => "wide-attention";
    public string Title => "Width vs depth §8, wide-attention half: 24 heads as 6 × 4, 3 × 8 or 1 × 24 on ListOps";
    public string Paper => "arXiv 2210.00640";
    public string PaperUrl => "https://arxiv.org/abs/2210.00640";

    public string Claim =>
        "With the total number of attention heads fixed at 24, one wide layer (1 × 24) classifies ListOps about as " +
        "accurately as deeper stacks (6 × 4, 3 × 8) — within about 1 percentage point — and trains and runs faster. " +
        "One run trains one shape; the claim is judged across shapes and seeds by the study accuracy-and-speed-vs-shape. " +
        "A run's own verdict says whether it learned the task (≥ 5 points above the majority class).";

    public IReadOnlyList<ParameterSpec> Parameters => WideAttentionSettings.Specs;

    public IReadOnlyList<MetricDefinition> Metrics { get; } =
    [
        new("accuracy", "Test accuracy", MetricDirection.Maximize, "Share of the fixed test expressions answered with the evaluator's digit."),
        new("step_ms", "Training step time (ms)", MetricDirection.Minimize, "Median wall time of one AdamW step (forward, backward, update) on one batch."),
        new("forward_ms", "Forward pass time (ms per batch)", MetricDirection.Minimize, "Median wall time of one inference forward pass of a training-size batch."),
        new("step_cpu_ms", "Training step CPU time (ms)", MetricDirection.Minimize, "Median CPU time of the training thread per step (CPU runs, Linux): the step's own cost, unaffected by other processes' load."),
        new("train_loss", "Training cross-entropy (10 classes)", MetricDirection.Minimize),
        new("majority", "Majority-class accuracy (test set)", MetricDirection.Maximize, "Always answering the test set's most frequent digit."),
    ];

    public string PrimaryMetric => "accuracy";

    public IReadOnlyList<StudyDefinition> Studies => WideAttentionStudies.All;

    public async Task<RunResult> TrainAsync(RunContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = WideAttentionSettings.From(context.Parameters);
        var watch = Stopwatch.StartNew();
        var outcome = await TrainingThread.RunAsync(context, (report, token) => WideAttentionTrainer.Run(settings, context.Seed, context.Device, report, token), cancellationToken);
        var summary = new Dictionary<string, double>
        {
            ["accuracy"] = outcome.Accuracy,
            ["step_ms"] = outcome.StepMs,
            ["forward_ms"] = outcome.ForwardMs,
            ["train_loss"] = outcome.TrainLoss,
            ["majority"] = outcome.Majority,
            ["layers"] = settings.Shape.Layers,
            ["heads_per_layer"] = settings.Shape.Heads,
            [RunResult.ParameterCountKey] = outcome.ParameterCount,
        };
        // Only where measured (CPU on Linux): summaries are JSON, which has no NaN.
        if (double.IsFinite(outcome.StepCpuMs)) summary["step_cpu_ms"] = outcome.StepCpuMs;
        var verdict = Verdict(settings.Shape, outcome);
        context.Logger.LogInformation("wide-attention run {RunId}: {Steps} steps in {Elapsed} ms. {Verdict}", context.RunId, settings.Steps, watch.ElapsedMilliseconds, verdict);
        List<ReferenceValue> references =
        [
            new("accuracy", "exact evaluator", 1),
            new("accuracy", "majority class", outcome.Majority),
            new("accuracy", "chance (1/10)", ListOpsData.Chance),
        ];
        return new RunResult(summary, references, verdict);
    }

    /// <summary>The per-run verdict: did this shape learn the task? (The claim itself needs all three shapes.)</summary>
    public static string Verdict(AttentionShape shape, WideAttentionOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(outcome);
        var c = CultureInfo.InvariantCulture;
        var numbers = string.Create(c,
            $"{shape} (layers × heads): test accuracy {outcome.Accuracy:P1} (majority class {outcome.Majority:P1}, chance 10 %, exact evaluator 100 %); step {outcome.StepMs:0.0} ms{(double.IsFinite(outcome.StepCpuMs) ? string.Create(c, $" ({outcome.StepCpuMs:0.0} ms CPU)") : "")}, forward {outcome.ForwardMs:0.0} ms per batch; {outcome.ParameterCount:N0} parameters.");
        var tail = " The claim (1 × 24 within about 1 point of the deeper shapes, and faster) is judged by the study accuracy-and-speed-vs-shape.";
        return outcome.Accuracy >= outcome.Majority + LearnedMargin
            ? $"Learned: {numbers}{tail}"
            : string.Create(c, $"Not learned (below majority + {LearnedMargin * 100:0} points): {numbers}{tail}");
    }
}
