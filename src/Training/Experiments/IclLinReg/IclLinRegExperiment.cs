using System.Diagnostics;
using System.Globalization;
using LayerLab.Training.Contracts;
using LayerLab.Training.Studies;
using LayerLab.Training.Experiments.Shared;
using Microsoft.Extensions.Logging;

namespace LayerLab.Training.Experiments.IclLinReg;

/// <summary>
/// icl-linreg: a trained linear self-attention layer does one step of gradient descent on the prompt's least squares
/// (von Oswald et al. 2212.07677; Mahankali et al. 2307.03576; Ahn et al. 2306.00297). The baselines (GD with the
/// best step, preconditioned GD, OLS, ridge, zero, L steps of GD) are computed exactly for the run's own settings
/// on the run's own test set (see <see cref="IclBaselines"/>).
/// </summary>
public sealed class IclLinRegExperiment : IExperiment, IHasStudies
{
    public string Key => "icl-linreg";
    public string Title => "One linear self-attention layer = one step of GD";
    public string Paper => "arXiv 2212.07677 (von Oswald et al.); 2307.03576; 2306.00297";
    public string PaperUrl => "https://arxiv.org/abs/2212.07677";

    public string Claim =>
        "Trained on in-context linear regression, a 1-layer linear self-attention model matches one step of gradient " +
        "descent with the optimal step η* (one preconditioned step for non-isotropic x), and L > 1 layers beat it. " +
        "Reproduced if the 1-layer test ½MSE is within 2% of GD*'s and the prediction cosine is > 0.99; for L > 1 if " +
        "the model's loss is below GD*'s.";

    public IReadOnlyList<ParameterSpec> Parameters => IclLinRegSettings.Specs;

    public IReadOnlyList<MetricDefinition> Metrics { get; } =
    [
        new("test_loss", "Test ½MSE on the query", MetricDirection.Minimize,
            "½·mean (ŷ_q − y_q)² on the fixed held-out test prompts."),
        new("cosine_gd", "Cosine vs GD* predictions", MetricDirection.Maximize,
            "Cosine similarity of the model's test predictions and GD*'s (the preconditioned step for anisotropic data)."),
        new("loss_ratio_gd", "Loss ratio to GD*", MetricDirection.Minimize, "test_loss / GD*'s test loss (1 = match)."),
        new("train_loss", "Train ½MSE (batch)", MetricDirection.Minimize, "½MSE on the last fresh training batch."),
    ];

    public string PrimaryMetric => "test_loss";


    /// <summary>Claim-level studies (configurations × seeds, figure, verdict): see <see cref="IclLinRegStudies"/>.</summary>

    public IReadOnlyList<StudyDefinition> Studies => IclLinRegStudies.All;

    public async Task<RunResult> TrainAsync(RunContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        cancellationToken.ThrowIfCancellationRequested();
        var settings = IclLinRegSettings.From(context.Parameters);
        var watch = Stopwatch.StartNew();

        var (baselines, outcome) = await TrainingThread.RunAsync(
            context,
            (report, token) =>
            {
                var task = settings.Task;
                var test = task.Sample(settings.TestPrompts, new IclRandom(context.Seed, 1));
                var sample = task.Sample(settings.ReferencePrompts, new IclRandom(context.Seed, 2));
                token.ThrowIfCancellationRequested();
                var b = IclBaselines.Compute(task, test, sample, settings.Layers);
                token.ThrowIfCancellationRequested();
                var o = IclTrainer.Run(settings, context.Seed, context.Device, test, b.TargetPrediction, report, token, context.Checkpoints);
                return (b, o);
            },
            cancellationToken);

        var summary = Summary(baselines, outcome);
        summary["wall_seconds"] = watch.Elapsed.TotalSeconds;
        var verdict = Verdict(settings, baselines, outcome);
        context.Logger.LogInformation("icl-linreg run {RunId}: {Steps} steps in {Elapsed} ms. {Verdict}",
            context.RunId, settings.Steps, watch.ElapsedMilliseconds, verdict);
        return new RunResult(summary, References(baselines), verdict);
    }

    public static Dictionary<string, double> Summary(IclBaselines baselines, IclOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(baselines);
        ArgumentNullException.ThrowIfNull(outcome);
        var s = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["test_loss"] = outcome.TestLoss,
            ["train_loss"] = outcome.TrainLoss,
            ["cosine_gd"] = outcome.Cosine,
            ["loss_ratio_gd"] = outcome.TestLoss / baselines.TargetLoss,
            ["cosine_gd1"] = IclReference.Cosine(outcome.TestPrediction, baselines.Gd1Prediction),
            ["loss_ratio_gd1"] = outcome.TestLoss / baselines.Gd1Loss,
            [RunResult.ParameterCountKey] = outcome.ParameterCount,
            ["eta_star"] = baselines.Eta,
            ["ref/gd1"] = baselines.Gd1Loss,
            ["ref/ols"] = baselines.OlsLoss,
            ["ref/ridge"] = baselines.RidgeLoss,
            ["ref/zero"] = baselines.ZeroLoss,
        };
        if (baselines.EtaClosedForm is { } closed) s["eta_star_closed_form"] = closed;
        if (baselines.PreconditionedLoss is { } pre) s["ref/gd1_precond"] = pre;
        if (baselines.GdLayersLoss is { } gdL)
        {
            s["ref/gdL"] = gdL;
            s["eta_L"] = baselines.EtaLayers!.Value;
            s["loss_ratio_gdL"] = outcome.TestLoss / gdL;
            s["cosine_gdL"] = IclReference.Cosine(outcome.TestPrediction, baselines.GdLayersPrediction!);
        }
        return s;
    }

    public static List<ReferenceValue> References(IclBaselines baselines)
    {
        ArgumentNullException.ThrowIfNull(baselines);
        var r = new List<ReferenceValue>
        {
            new("test_loss", $"1 step GD (η*={F(baselines.Eta)})", baselines.Gd1Loss),
            new("test_loss", "OLS (min-norm least squares)", baselines.OlsLoss),
            new("test_loss", "ridge (λ=σ², Bayes)", baselines.RidgeLoss),
            new("test_loss", "zero predictor", baselines.ZeroLoss),
            new("cosine_gd", "GD* itself", 1),
            new("loss_ratio_gd", "GD* itself", 1),
        };
        if (baselines.PreconditionedLoss is { } pre)
            r.Add(new("test_loss", "1 preconditioned GD step (Γ*)", pre));
        if (baselines.GdLayersLoss is { } gdL)
            r.Add(new("test_loss", $"{baselines.Layers} steps GD (η={F(baselines.EtaLayers!.Value)})", gdL));
        return r;
    }

    public static string Verdict(IclLinRegSettings settings, IclBaselines baselines, IclOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(baselines);
        ArgumentNullException.ThrowIfNull(outcome);
        var target = baselines.TargetIsPreconditioned ? "preconditioned GD* (Γ*)" : $"GD* (η*={F(baselines.Eta)})";
        var ratio = outcome.TestLoss / baselines.TargetLoss;
        var numbers = $"test ½MSE {F(outcome.TestLoss)} vs {target} {F(baselines.TargetLoss)} (ratio {ratio:0.0000}), " +
                      $"prediction cosine {outcome.Cosine:0.0000}; OLS {F(baselines.OlsLoss)}, zero {F(baselines.ZeroLoss)}";
        if (settings.Layers == 1)
        {
            var ok = Math.Abs(ratio - 1) <= 0.02 && outcome.Cosine > 0.99;
            return (ok ? "Reproduced: " : "Not reproduced: ") + numbers +
                   (ok ? " — within 2% of GD* with cosine > 0.99." : " — needs |ratio − 1| ≤ 2% and cosine > 0.99.");
        }
        var beats = outcome.TestLoss < baselines.TargetLoss;
        return (beats ? "Reproduced: " : "Not reproduced: ") +
               $"{settings.Layers} layers: {numbers}; {settings.Layers} steps of GD {F(baselines.GdLayersLoss!.Value)}" +
               (beats ? $" — {settings.Layers} layers beat one step of GD*." : $" — {settings.Layers} layers do not beat GD*.");
    }

    private static string F(double v) => v.ToString("0.#####", CultureInfo.InvariantCulture);
}
