using System.Globalization;
using LayerLab.Training.Contracts;

namespace LayerLab.Training.Experiments.WideAttention;

/// <summary>How the 24 heads are spent: layers × heads per layer (always 24 in total).</summary>
public sealed record AttentionShape(int Layers, int Heads)
{
    public const int TotalHeads = 24;

    /// <summary>The paper's three shapes, deep to wide; the parameter text is "6x4", "3x8", "1x24".</summary>
    public static IReadOnlyList<AttentionShape> All { get; } = [new(6, 4), new(3, 8), new(1, 24)];

    public string Key => string.Create(CultureInfo.InvariantCulture, $"{Layers}x{Heads}");

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Layers} × {Heads}");

    public static AttentionShape Parse(string key) =>
        All.FirstOrDefault(s => string.Equals(s.Key, key, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown shape '{key}'.", nameof(key));
}

/// <summary>Read-out of the encoder: the mean over the expression's tokens (padding excluded), or a CLS token.</summary>
public enum Readout { Mean, Cls }

/// <summary>The knobs of one wide-attention run, read from validated <see cref="RunParameters"/>.</summary>
public sealed record WideAttentionSettings(
    AttentionShape Shape, int Width, Readout Readout, int Steps, int Batch, double Lr,
    int MaxDepth, int MaxArgs, int MaxLength, int TestExamples, int EvalEvery)
{
    /// <summary>The feed-forward block is 2 × the width (not the usual 4 ×) to keep the deep shapes affordable on CPU.</summary>
    public const int FeedForwardMultiple = 2;

    public static WideAttentionSettings Default { get; } = new(new AttentionShape(1, 24), 48, Readout.Mean, 600, 32, 2e-3, 3, 4, 48, 1_000, 100);

    public static IReadOnlyList<ParameterSpec> Specs { get; } =
    [
        // A choice, not layers + heads: the total of 24 heads is the experiment's premise, so only its three shapes exist.
        ParameterSpec.Choice("shape", Default.Shape.Key, [.. AttentionShape.All.Select(s => s.Key)],
            "Layers × heads per layer; 24 heads in total (arXiv 2210.00640): 6x4 (deep), 3x8, 1x24 (one wide layer)."),
        // Both divisible by 24, so every shape's head dimension is width / heads (2–12 for 48, 4–24 for 96).
        ParameterSpec.Choice("width", "48", ["48", "96"], "Model width d_model; each head has width / heads dimensions, as in the paper.") with { Role = ParameterRole.Width },
        ParameterSpec.Choice("readout", "mean", ["mean", "cls"], "Class read-out: mean over the expression's tokens, or a CLS token in front."),
        ParameterSpec.Integer("steps", Default.Steps, 10, 100_000, "AdamW steps, a fresh batch of expressions each.") with { Role = ParameterRole.Steps },
        ParameterSpec.Integer("batch", Default.Batch, 1, 1_024, "Expressions per step.") with { Role = ParameterRole.Batch },
        ParameterSpec.Real("lr", Default.Lr, 1e-5, 1, "AdamW learning rate (weight decay 0.01, linear warm-up over the first 5 % of steps).", logScale: true),
        ParameterSpec.Integer("max_depth", Default.MaxDepth, 1, 5, "Deepest nesting of operators (1: one operator over digits)."),
        ParameterSpec.Integer("max_args", Default.MaxArgs, 2, 6, "Most arguments per operator (at least 2)."),
        ParameterSpec.Integer("max_length", Default.MaxLength, 16, 128, "Most tokens per expression (longer draws are redrawn); the sequence length."),
        ParameterSpec.Integer("test_examples", Default.TestExamples, 10, 20_000, "Expressions in the fixed test set."),
        ParameterSpec.Integer("eval_every", Default.EvalEvery, 1, 100_000, "Steps between evaluations (live points)."),
    ];

    public static WideAttentionSettings From(RunParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new WideAttentionSettings(
            AttentionShape.Parse(parameters.GetString("shape")),
            int.Parse(parameters.GetString("width"), CultureInfo.InvariantCulture),
            parameters.GetString("readout").Equals("cls", StringComparison.OrdinalIgnoreCase) ? Readout.Cls : Readout.Mean,
            checked((int)parameters.GetInt("steps")), checked((int)parameters.GetInt("batch")), parameters.GetDouble("lr"),
            checked((int)parameters.GetInt("max_depth")), checked((int)parameters.GetInt("max_args")), checked((int)parameters.GetInt("max_length")),
            checked((int)parameters.GetInt("test_examples")), checked((int)parameters.GetInt("eval_every")));
    }

    public static RunParameters Parameters(params (string Name, object Value)[] overrides) => RunParameters.DefaultsWith(Specs, overrides);
}
