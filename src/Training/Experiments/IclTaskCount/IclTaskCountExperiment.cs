using System.Diagnostics;
using LayerLab.Training.Contracts;
using LayerLab.Training.Studies;
using LayerLab.Training.Experiments.Shared;
using Microsoft.Extensions.Logging;

namespace LayerLab.Training.Experiments.IclTaskCount;

/// <summary>
/// icl-task-count: how many pretraining tasks the one-layer linear-attention model ŷ = x_qᵀ Γ (1/N) Σ yᵢxᵢ needs to
/// learn in-context linear regression (Wu et al., arXiv 2310.08391). Every pool size M (and fresh tasks) trains as
/// one batched program (<see cref="TaskCountTrainer"/>); test MSE is the exact fresh-task risk of the trained Γ.
/// </summary>
public sealed class IclTaskCountExperiment : IExperiment, IHasStudies, IHasRunFigures
{
    public string Key => "icl-task-count";
    public string Title => "How many pretraining tasks for in-context linear regression";
    public string Paper => "arXiv 2310.08391";
    public string PaperUrl => "https://arxiv.org/abs/2310.08391";

    public string Claim =>
        "A one-layer linear-attention model pretrained on a small number of tasks reaches the risk of the optimal " +
        "parameters Γ* (close to Bayes ridge); the number of tasks needed barely depends on d; a context-length " +
        "mismatch between train and test costs accuracy. One run shows: the smallest pool M within `tolerance` of Γ*'s " +
        "risk, M=1 clearly worse (≥1.5× Γ*), and when n_train ≠ n_test a cost above `tolerance` versus the matched Γ*. " +
        "The d-dependence needs runs at several d.";

    public IReadOnlyList<ParameterSpec> Parameters => IclTaskCountSettings.Specs;

    public IReadOnlyList<RunFigure> RunFigures(IReadOnlyDictionary<string, double> summary, IReadOnlyDictionary<string, string> parameters) =>
        IclTaskCountRunFigures.For(summary);

    public IReadOnlyList<MetricDefinition> Metrics { get; } = BuildMetrics();

    /// <summary>The claim is about a count of tasks: fewer is better (4× the largest pool when none qualifies).</summary>
    public string PrimaryMetric => "tasks_needed";

    /// <summary>Claim-level studies (configurations × seeds, figure, verdict): see <see cref="IclTaskCountStudies"/>.</summary>
    public IReadOnlyList<StudyDefinition> Studies => IclTaskCountStudies.All;

    public async Task<RunResult> TrainAsync(RunContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        cancellationToken.ThrowIfCancellationRequested();
        var settings = IclTaskCountSettings.From(context.Parameters);
        var watch = Stopwatch.StartNew();
        var outcome = await TrainingThread.RunAsync(
            context, (report, token) => TaskCountTrainer.Run(settings, context.Seed, context.Device, report, token, context.Checkpoints), cancellationToken);
        var result = await Task.Run(() => TaskCountSummary.Build(settings, outcome, context.Seed, cancellationToken), cancellationToken);
        context.Logger.LogInformation("icl-task-count run {RunId}: {Rows} models × {Steps} steps in {Elapsed} ms. {Verdict}",
            context.RunId, outcome.Pools.Count, settings.Steps, watch.ElapsedMilliseconds, result.Verdict);
        return result;
    }

    private static List<MetricDefinition> BuildMetrics()
    {
        var metrics = new List<MetricDefinition>
        {
            new("tasks_needed", "Tasks needed (pool size)", MetricDirection.Minimize,
                "Smallest pool size M whose test MSE at n_train is within `tolerance` of the optimal Γ*'s risk (4× the largest pool if none)."),
            new("tasks_needed_found", "Tasks needed found", MetricDirection.Maximize, "1 if some pool of the run reached the tolerance."),
            new("test_mse", "Test MSE, fresh-task pretraining", MetricDirection.Minimize,
                "Exact expected squared error on fresh tasks at n_test of the model pretrained on fresh tasks (M = ∞)."),
            new("test_mse_ratio_bayes", "Test MSE / Bayes ridge", MetricDirection.Minimize, "test_mse divided by the Bayes ridge risk at n_test."),
            new("mismatch_cost", "Context-length mismatch cost", MetricDirection.Minimize,
                "test_mse / (risk of Γ* matched to n_test) − 1; ≈ 0 when n_train = n_test."),
        };
        var sizes = IclTaskCountSettings.PoolPresets.Values.SelectMany(p => p).Append(0).Distinct().Order();
        foreach (var m in sizes)
        {
            var label = IclTaskCountSettings.Label(m);
            metrics.Add(new($"test_mse/M={label}", $"Test MSE, pool M={label}", MetricDirection.Minimize,
                "Exact fresh-task risk at n_test of the model pretrained on this pool (present when the run's preset has it)."));
        }
        return metrics;
    }
}
