using System.Diagnostics;
using System.Globalization;
using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.Shared;
using LayerLab.Training.Studies;
using Microsoft.Extensions.Logging;

namespace LayerLab.Training.Experiments.RefexCompose;

/// <summary>
/// refex-compose (arXiv 2210.12786): an attention-only transformer finds the grid cell named by a (colour, shape)
/// expression, and one layer with one head already composes: it finds a colour × shape pair never seen in training.
/// </summary>
public sealed class RefexComposeExperiment : IExperiment, IHasStudies
{
    /// <summary>The claim's bar: held-out-pair accuracy of 1 layer × 1 head.</summary>
    public const double Bar = 0.95;

    public string Key => "refex-compose";
    public string Title => "One attention head composes (referring expressions on a grid)";
    public string Paper => "arXiv 2210.12786";
    public string PaperUrl => "https://arxiv.org/abs/2210.12786";

    public string Claim =>
        "An attention-only transformer (no MLP) with 1 layer and 1 head finds the cell of a 6 × 6 grid named by a " +
        "(colour, shape) expression, including a colour × shape pair held out of training, with ≥ 95% accuracy. " +
        "Reproduced per run if held-out-pair accuracy ≥ 95%.";

    public IReadOnlyList<ParameterSpec> Parameters => RefexComposeSettings.Specs;

    public IReadOnlyList<MetricDefinition> Metrics { get; } =
    [
        new("accuracy/heldout", "Held-out pair accuracy", MetricDirection.Maximize, "Grids asking for the colour × shape pair never asked for in training."),
        new("accuracy/in_distribution", "Accuracy on the other pairs", MetricDirection.Maximize),
        new("train_loss", "Training cross-entropy (pointer over 36 cells)", MetricDirection.Minimize),
    ];

    public string PrimaryMetric => "accuracy/heldout";

    public IReadOnlyList<StudyDefinition> Studies => RefexComposeStudies.All;

    public async Task<RunResult> TrainAsync(RunContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = RefexComposeSettings.From(context.Parameters);
        var watch = Stopwatch.StartNew();
        var outcome = await TrainingThread.RunAsync(context, (report, token) => RefexTrainer.Run(settings, context.Seed, context.Device, report, token), cancellationToken);
        var summary = new Dictionary<string, double>
        {
            ["accuracy/heldout"] = outcome.HeldOutAccuracy,
            ["accuracy/in_distribution"] = outcome.InDistributionAccuracy,
            ["train_loss"] = outcome.TrainLoss,
            [RunResult.ParameterCountKey] = outcome.ParameterCount,
        };
        var c = CultureInfo.InvariantCulture;
        var shape = string.Create(c, $"{settings.Layers} layer{(settings.Layers == 1 ? "" : "s")} × {settings.Heads} head{(settings.Heads == 1 ? "" : "s")}");
        var verdict = outcome.HeldOutAccuracy >= Bar
            ? string.Create(c, $"Reproduced: {shape} finds the held-out pair on {outcome.HeldOutAccuracy:P1} of grids (≥ {Bar:P0}); other pairs {outcome.InDistributionAccuracy:P1}.")
            : string.Create(c, $"Not reproduced: {shape} finds the held-out pair on {outcome.HeldOutAccuracy:P1} of grids (< {Bar:P0}; chance {1.0 / RefexData.Cells:P1}); other pairs {outcome.InDistributionAccuracy:P1}.");
        context.Logger.LogInformation("refex-compose run {RunId}: {Steps} steps in {Elapsed} ms. {Verdict}", context.RunId, settings.Steps, watch.ElapsedMilliseconds, verdict);
        List<ReferenceValue> references =
        [
            new("accuracy/heldout", "symbolic matcher", 1), new("accuracy/heldout", "chance (1/36)", 1.0 / RefexData.Cells),
            new("accuracy/in_distribution", "symbolic matcher", 1), new("accuracy/in_distribution", "chance (1/36)", 1.0 / RefexData.Cells),
        ];
        return new RunResult(summary, references, verdict);
    }
}
