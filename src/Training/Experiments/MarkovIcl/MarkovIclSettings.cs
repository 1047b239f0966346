using LayerLab.Training.Contracts;

namespace LayerLab.Training.Experiments.MarkovIcl;

public enum MarkovModelKind { Mamba, Transformer1, Transformer2 }

/// <summary>The knobs of one markov-icl run, read from validated <see cref="RunParameters"/>.</summary>
public sealed record MarkovIclSettings(
    MarkovModelKind Model,
    int Order,
    int DModel,
    int State,
    int Heads,
    bool Conv,
    bool Gate,
    bool LayerNorm,
    bool Mlp,
    double Lr,
    int Steps,
    int Batch,
    int Length,
    int TestSequences)
{
    public static MarkovIclSettings Default { get; } =
        new(MarkovModelKind.Mamba, 2, 8, 8, 1, true, true, true, false, 2e-3, 1000, 64, 256, 256);

    public static IReadOnlyList<ParameterSpec> Specs { get; } =
    [
        ParameterSpec.Choice("model", "mamba", ["mamba", "transformer1", "transformer2"],
            "mamba = 1-layer selective SSM (scalar decay per channel, exact chunked parallel scan); transformer1/2 = 1- or 2-layer causal transformer with learned positions."),
        ParameterSpec.Integer("order", Default.Order, 1, 3,
            "Markov order k: each of the 2^k contexts of a sequence draws its own P(next = 1) ~ U(0,1)."),
        ParameterSpec.Integer("d_model", Default.DModel, 2, 64, "Embedding / channel width.") with { Role = ParameterRole.Width },
        ParameterSpec.Integer("state", Default.State, 1, 64, "Mamba: state size N per channel (B_t, C_t ∈ R^N)."),
        ParameterSpec.Integer("heads", Default.Heads, 1, 8, "Transformer: attention heads (must divide d_model).") with { Role = ParameterRole.Heads },
        ParameterSpec.Flag("conv", Default.Conv, "Mamba: causal depthwise convolution with window k+1 before the scan."),
        ParameterSpec.Flag("gate", Default.Gate, "Mamba: multiplicative SiLU(z) gate on the scan output."),
        ParameterSpec.Flag("layernorm", Default.LayerNorm, "LayerNorm before the head (and pre-norm in transformer blocks / the MLP)."),
        ParameterSpec.Flag("mlp", Default.Mlp, "Add a residual MLP (4× width, GELU) after the mixer."),
        ParameterSpec.Real("lr", Default.Lr, 1e-5, 1, "AdamW learning rate (β 0.9/0.999, weight decay 0.01).", logScale: true),
        ParameterSpec.Integer("steps", Default.Steps, 1, 200_000, "Training steps; every step draws a fresh batch of chains.") with { Role = ParameterRole.Steps },
        ParameterSpec.Integer("batch", Default.Batch, 1, 1024, "Sequences per training step.") with { Role = ParameterRole.Batch },
        ParameterSpec.Integer("length", Default.Length, 16, 2048, "Sequence length T (the model reads T−1 tokens and predicts T−1)."),
        ParameterSpec.Integer("test_sequences", Default.TestSequences, 8, 4096,
            "Held-out sequences (drawn once per run from the seed) on which test_ce, the L1 distance and all references are computed."),
    ];

    public static MarkovIclSettings From(RunParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var model = parameters.GetString("model").ToUpperInvariant() switch
        {
            "TRANSFORMER1" => MarkovModelKind.Transformer1,
            "TRANSFORMER2" => MarkovModelKind.Transformer2,
            _ => MarkovModelKind.Mamba,
        };
        var settings = new MarkovIclSettings(
            model,
            checked((int)parameters.GetInt("order")),
            checked((int)parameters.GetInt("d_model")),
            checked((int)parameters.GetInt("state")),
            checked((int)parameters.GetInt("heads")),
            parameters.GetBool("conv"),
            parameters.GetBool("gate"),
            parameters.GetBool("layernorm"),
            parameters.GetBool("mlp"),
            parameters.GetDouble("lr"),
            checked((int)parameters.GetInt("steps")),
            checked((int)parameters.GetInt("batch")),
            checked((int)parameters.GetInt("length")),
            checked((int)parameters.GetInt("test_sequences")));
        if (settings.Model != MarkovModelKind.Mamba && settings.DModel % settings.Heads != 0)
            throw new ArgumentException($"heads ({settings.Heads}) must divide d_model ({settings.DModel}).", nameof(parameters));
        if (settings.Length <= settings.Order + 1)
            throw new ArgumentException("length must exceed order + 1.", nameof(parameters));
        return settings;
    }

    /// <summary>The default parameters with some overridden (for tests and benchmarks).</summary>
    public static RunParameters Parameters(params (string Name, object Value)[] overrides) =>
        RunParameters.DefaultsWith(Specs, overrides);

    /// <summary>Held-out metrics every this many steps (~20 points per run, every 10 to 250 steps).</summary>
    public int EvalEvery => Math.Clamp(Steps / 20, 10, 250);

    /// <summary>Training loss reported every this many steps (1 to 10).</summary>
    public int TrainReportEvery => Math.Clamp(Steps / 200, 1, 10);

    public string ModelKey => Model switch
    {
        MarkovModelKind.Transformer1 => "transformer1",
        MarkovModelKind.Transformer2 => "transformer2",
        _ => "mamba",
    };
}
