using System.Diagnostics;
using LayerLab.Training.Contracts;
using LayerLab.Training.Studies;
using LayerLab.Training.Experiments.Shared;
using Microsoft.Extensions.Logging;

namespace LayerLab.Training.Experiments.XorPrelu;

/// <summary>
/// xor-prelu: a single PReLU neuron without bias, y = PReLU_a(w·x), solves XOR with 3 parameters (arXiv 2409.10821),
/// against a 2-2-1 MLP, one GCU neuron and PReLU with bias, over a log grid of learning rates. All models of all
/// trials and learning rates train as one batched tensor program (see <see cref="XorTrainer"/>); several seeds of one
/// configuration can join that program too (<see cref="ISeedBatchedExperiment"/>).
/// </summary>
public sealed class XorPreluExperiment : ISeedBatchedExperiment, IHasStudies, IHasRunFigures
{
    public string Key => "xor-prelu";
    public string Title => "PReLU solves XOR with one neuron";
    public string Paper => "arXiv 2409.10821";
    public string PaperUrl => "https://arxiv.org/abs/2409.10821";

    public string Claim =>
        "A single PReLU neuron without bias, y = PReLU(w·x) with a learnable slope (3 parameters), solves XOR " +
        "(exactly: w = (1, −1), slope −1 gives y = |x₁ − x₂|) and keeps 100% success over a wider range of learning " +
        "rates than a 2-2-1 MLP and a single GCU neuron. Reproduced if PReLU's longest run of learning rates with " +
        "100% success is strictly wider than both the MLP's and the GCU's.";

    public IReadOnlyList<ParameterSpec> Parameters => XorPreluSettings.Specs;

    public IReadOnlyList<RunFigure> RunFigures(IReadOnlyDictionary<string, double> summary, IReadOnlyDictionary<string, string> parameters) =>
        XorRunFigures.For(summary);

    public IReadOnlyList<MetricDefinition> Metrics { get; } = BuildMetrics();

    public string PrimaryMetric => "band_decades/prelu";


    /// <summary>Claim-level studies (configurations × seeds, figure, verdict): see <see cref="XorPreluStudies"/>.</summary>

    public IReadOnlyList<StudyDefinition> Studies => XorPreluStudies.All;

    public async Task<RunResult> TrainAsync(RunContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        cancellationToken.ThrowIfCancellationRequested();
        var settings = XorPreluSettings.From(context.Parameters);
        var watch = Stopwatch.StartNew();

        var outcome = await TrainingThread.RunAsync(
            context, (report, token) => XorTrainer.Run(settings, context.Seed, context.Device, report, token), cancellationToken);
        var (summary, verdict) = XorSummary.Build(settings, outcome);
        context.Logger.LogInformation(
            "xor-prelu run {RunId}: {Models} models × {Epochs} epochs in {Elapsed} ms. {Verdict}",
            context.RunId, outcome.Rows * XorModels.All.Count, settings.Epochs, watch.ElapsedMilliseconds, verdict);
        return new RunResult(summary, References(), verdict);
    }

    /// <summary>
    /// Every seed's trials along the batch dimension of one program: S seeds cost about one run (the program is
    /// tiny per row). Each seed's rows start from that seed's draws, so its result equals training it alone.
    /// </summary>
    public async Task<IReadOnlyList<RunResult>> TrainSeedsAsync(IReadOnlyList<RunContext> runs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentOutOfRangeException.ThrowIfZero(runs.Count);
        cancellationToken.ThrowIfCancellationRequested();
        var first = runs[0];
        var settings = XorPreluSettings.From(first.Parameters);
        if (runs.Any(r => XorPreluSettings.From(r.Parameters) != settings))
            throw new ArgumentException("Runs trained together must share their parameters.", nameof(runs));
        var seeds = runs.Select(r => r.Seed).ToArray();
        var watch = Stopwatch.StartNew();

        var outcomes = await TrainingThread.RunAsync<IReadOnlyList<LiveReport>, IReadOnlyList<XorOutcome>>(
            async (reports, token) =>
            {
                for (var i = 0; i < runs.Count; i++)
                {
                    await runs[i].ReportAsync(reports[i].Step, reports[i].Metrics, token);
                    foreach (var t in reports[i].Tensors) await runs[i].ReportTensorAsync(t.Key, t.Step, t.Shape, t.Data, token);
                    await runs[i].ReportProgressAsync(reports[i].Progress, token);
                }
            },
            (report, token) => XorTrainer.RunSeeds(settings, seeds, first.Device, report, token), cancellationToken);

        var results = new RunResult[runs.Count];
        for (var i = 0; i < runs.Count; i++)
        {
            var (summary, verdict) = XorSummary.Build(settings, outcomes[i]);
            results[i] = new RunResult(summary, References(), verdict);
        }
        first.Logger.LogInformation(
            "xor-prelu runs {RunIds} (seeds {Seeds}) trained together: {Models} models × {Epochs} epochs in {Elapsed} ms",
            string.Join(",", runs.Select(r => r.RunId)), string.Join(",", seeds),
            outcomes.Sum(o => o.Rows) * XorModels.All.Count, settings.Epochs, watch.ElapsedMilliseconds);
        return results;
    }

    /// <summary>Exact values: the closed-form PReLU solution has zero loss, 100% success and distance 0.</summary>
    private static List<ReferenceValue> References()
    {
        const string exact = "exact solution y = |x₁ − x₂|";
        var references = new List<ReferenceValue>
        {
            new("loss/prelu", exact, 0),
            new("loss/prelu_bias", exact, 0),
            // A 2-2-1 MLP also fits XOR exactly (e.g. ReLU units relu(x₁−x₂), relu(x₂−x₁) summed).
            new("loss/mlp", "exact solution (2-2-1 network)", 0),
            new("ref_distance/prelu", exact, 0),
            new("ref_distance/prelu_bias", exact, 0),
        };
        foreach (var model in XorModels.All)
            references.Add(new($"success/{XorModels.Key(model)}", "exact solution", 1));
        return references;
    }

    private static List<MetricDefinition> BuildMetrics()
    {
        var metrics = new List<MetricDefinition>();
        foreach (var model in XorModels.All)
        {
            var (key, name) = (XorModels.Key(model), XorModels.DisplayName(model));
            metrics.Add(new($"band_decades/{key}", $"{name} 100% band (decades of lr)", MetricDirection.Maximize,
                "Width log10(hi/lo) of the longest run of grid learning rates where every trial solved XOR (0 for one point or none)."));
            metrics.Add(new($"success/{key}", $"{name} success rate", MetricDirection.Maximize,
                "Share of trials (all learning rates) with all 4 outputs on the right side of 0.5."));
            metrics.Add(new($"loss/{key}", $"{name} loss (MSE)", MetricDirection.Minimize,
                "Mean squared error over the 4 points, averaged over the trials that did not diverge."));
        }
        metrics.Add(new("ref_distance/prelu", "PReLU distance to exact solution", MetricDirection.Minimize,
            "Median over trials at PReLU's best learning rate of ‖(w, a) − (±(1, −1), −1)‖ (±(½, −½) for pm1 coding)."));
        metrics.Add(new("ref_distance/prelu_bias", "PReLU+bias distance to exact solution", MetricDirection.Minimize,
            "As ref_distance/prelu, with the bias's exact value 0 included."));
        return metrics;
    }
}
