using System.Diagnostics;
using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.Shared;
using LayerLab.Training.Studies;
using Microsoft.Extensions.Logging;

namespace LayerLab.Training.Experiments.WidthVsDepth;

/// <summary>
/// width-vs-depth, the minimum-width half (arXiv 2305.18460): ReLU networks of width 1–4 and depth 2–32 fit one fixed
/// function [0,1]² → ℝ. A width-1 ReLU network computes a monotone function of one projection w·x + b, so no depth
/// lets it fit a function with four lobes: its loss must plateau. (The wide-attention half — ListOps with 24 heads
/// as 6 × 4, 3 × 8, 1 × 24 — is its own catalog entry, <c>wide-attention</c>: its knobs, metric and verdict differ.)
/// </summary>
public sealed class WidthVsDepthExperiment : IExperiment, IHasStudies
{
    public string Key => "width-vs-depth";
    public string Title => "Width vs depth: a width-1 network plateaus at any depth";
    public string Paper => "arXiv 2305.18460 (minimum width); arXiv 2210.00640 (wide attention: the wide-attention entry)";
    public string PaperUrl => "https://arxiv.org/abs/2305.18460";

    public string Claim =>
        "Depth cannot make up for width below the minimum: fitting f(x₁, x₂) = sin 2πx₁ · sin 2πx₂ on [0,1]², a width-1 " +
        "ReLU network's loss plateaus whatever its depth, while wider networks go far lower. Judged across seeds by the " +
        "study min-width-plateau.";

    public IReadOnlyList<ParameterSpec> Parameters => WidthVsDepthSettings.Specs;

    public IReadOnlyList<MetricDefinition> Metrics { get; } =
    [
        new("best_test_mse/widest", "Best test MSE, widest network", MetricDirection.Minimize, "Over depths; the best of the restarts by training loss."),
        new("best_test_mse/w1", "Best test MSE, width 1", MetricDirection.Minimize, "Over depths: the plateau."),
        new("plateau_ratio/w1", "Width 1: best deeper / depth-2 test MSE", MetricDirection.Minimize, "1 = depth buys nothing."),
        new("test_mse/w1", "Test MSE vs depth, width 1", MetricDirection.Minimize, "Reported with the depth as the step."),
    ];

    public string PrimaryMetric => "best_test_mse/widest";

    public IReadOnlyList<StudyDefinition> Studies => WidthVsDepthStudies.All;

    public async Task<RunResult> TrainAsync(RunContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = WidthVsDepthSettings.From(context.Parameters);
        var watch = Stopwatch.StartNew();
        var results = await TrainingThread.RunAsync(context, (report, token) => MinWidthTrainer.Run(settings, context.Seed, report, token), cancellationToken);
        var (summary, verdict) = MinWidthSummary.Build(settings, results);
        context.Logger.LogInformation("width-vs-depth run {RunId}: {Networks} networks in {Elapsed} ms. {Verdict}",
            context.RunId, results.Count * settings.Restarts, watch.ElapsedMilliseconds, verdict);
        return new RunResult(summary, MinWidthSummary.References(settings), verdict);
    }
}
