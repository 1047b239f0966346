using LayerLab.Training.Contracts;

namespace LayerLab.Training.Experiments.TinyLm;

/// <summary>The knobs of one tiny-lm run, read from validated <see cref="RunParameters"/>.</summary>
public sealed record TinyLmSettings(
    int Layers, int Heads, int Width, int Context, double Lr, double WeightDecay, double Beta2, int Steps, int Batch,
    long Dataset, double HeldOut, int NGramOrder)
{
    public const int MaxContext = 512;

    public static TinyLmSettings Default { get; } = new(1, 2, 64, 64, 3e-3, 0.01, 0.99, 600, 32, 0, 0.1, 5);

    public static IReadOnlyList<ParameterSpec> Specs { get; } =
    [
        ParameterSpec.Integer("layers", Default.Layers, 1, 12, "Transformer blocks (pre-norm attention + 4× GELU MLP each).") with { Role = ParameterRole.Layers },
        ParameterSpec.Integer("heads", Default.Heads, 1, 16, "Attention heads per block; must divide width.") with
        {
            Role = ParameterRole.Heads,
            Check = v => Convert.ToInt64(v["width"], System.Globalization.CultureInfo.InvariantCulture) %
                         Convert.ToInt64(v["heads"], System.Globalization.CultureInfo.InvariantCulture) == 0
                ? null : $"heads ({v["heads"]}) must divide width ({v["width"]}).",
        },
        ParameterSpec.Integer("width", Default.Width, 8, 1024, "Model width d (embedding, attention, residual stream).") with { Role = ParameterRole.Width },
        ParameterSpec.Integer("context", Default.Context, 4, MaxContext,
            $"Tokens the model reads (learned positions); at most {MaxContext} (half a held-out block of {TextSplit.BlockLength})."),
        ParameterSpec.Real("lr", Default.Lr, 1e-5, 1, "AdamW learning rate, constant after a 5% linear warm-up.", logScale: true),
        ParameterSpec.Real("weight_decay", Default.WeightDecay, 0, 1, "AdamW weight decay (decoupled)."),
        ParameterSpec.Real("beta2", Default.Beta2, 0.5, 0.9999, "AdamW β₂ (β₁ = 0.9)."),
        ParameterSpec.Integer("steps", Default.Steps, 1, 1_000_000, "Training steps; training tokens = steps × batch × context.") with { Role = ParameterRole.Steps },
        ParameterSpec.Integer("batch", Default.Batch, 1, 1024, "Windows per step, drawn uniformly from the training blocks.") with { Role = ParameterRole.Batch },
        ParameterSpec.Integer("dataset", Default.Dataset, 0, long.MaxValue,
            "Dataset version id from the portal's Datasets page; 0 = the default text (installed by setup, or the generated fallback)."),
        ParameterSpec.Real("held_out", Default.HeldOut, 0.02, 0.5, $"Share of {TextSplit.BlockLength}-byte blocks held out (fixed by the seed)."),
        ParameterSpec.Integer("ngram_order", Default.NGramOrder, 3, 5, "Order n of the interpolated Kneser–Ney reference."),
    ];

    public static TinyLmSettings From(RunParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var s = new TinyLmSettings(
            checked((int)parameters.GetInt("layers")), checked((int)parameters.GetInt("heads")),
            checked((int)parameters.GetInt("width")), checked((int)parameters.GetInt("context")),
            parameters.GetDouble("lr"), parameters.GetDouble("weight_decay"), parameters.GetDouble("beta2"),
            checked((int)parameters.GetInt("steps")), checked((int)parameters.GetInt("batch")),
            parameters.GetInt("dataset"), parameters.GetDouble("held_out"), checked((int)parameters.GetInt("ngram_order")));
        if (s.Width % s.Heads != 0) throw new ArgumentException($"heads ({s.Heads}) must divide width ({s.Width}).", nameof(parameters));
        return s;
    }

    public static RunParameters Parameters(params (string Name, object Value)[] overrides) => RunParameters.DefaultsWith(Specs, overrides);

    public long TrainingTokens => (long)Steps * Batch * Context;

    /// <summary>Held-out evaluations at these steps: the quarters of training (the study reads bits per token at each).</summary>
    public IReadOnlyList<int> EvalSteps => [.. new[] { Steps / 4, Steps / 2, (3 * Steps) / 4, Steps }.Where(s => s > 0).Distinct()];

    public int TrainReportEvery => Math.Clamp(Steps / 100, 1, 20);
}
