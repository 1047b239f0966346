using LayerLab.Training.Contracts;

namespace LayerLab.Training.Experiments.IclLinReg;

public enum IclAttention { Linear, Softmax }

/// <summary>The knobs of one icl-linreg run, read from validated <see cref="RunParameters"/>.</summary>
public sealed record IclLinRegSettings(
    IclDataKind Data,
    int Dim,
    int Context,
    double NoiseStd,
    int Layers,
    int Heads,
    IclAttention Attention,
    bool LayerNorm,
    bool Mlp,
    double LearningRate,
    int Steps,
    int Batch,
    int TestPrompts,
    int ReferencePrompts,
    double InitScale)
{
    public static IclLinRegSettings Default { get; } =
        new(IclDataKind.VonOswald, 10, 10, 0, 1, 1, IclAttention.Linear, false, false, 2e-3, 2000, 512, 4096, 10_000, 0.1);

    private static readonly string[] DataChoices = ["vonoswald", "gaussian", "anisotropic"];

    public static IReadOnlyList<ParameterSpec> Specs { get; } =
    [
        ParameterSpec.Choice("data", "vonoswald", DataChoices,
            "vonoswald: x ~ U(−½,½)^d, w ~ N(0,I); gaussian: x, w ~ N(0,I); anisotropic: x ~ N(0,Σ), Σ diagonal with eigenvalues log-spaced over 10^−½…10^½ (Ahn et al. use d=5, N=20)."),
        ParameterSpec.Integer("d", Default.Dim, 1, 32, "Input dimension d (tokens have d+1 coordinates).") with { Role = ParameterRole.Width },
        ParameterSpec.Integer("n", Default.Context, 1, 128, "Context length N: in-context examples (xᵢ, yᵢ) before the query."),
        ParameterSpec.Real("noise", Default.NoiseStd, 0, 10, "Label noise standard deviation σ (yᵢ = w·xᵢ + σε); ridge uses λ = σ²."),
        ParameterSpec.Integer("layers", Default.Layers, 1, 4, "Attention layers (the reference for L > 1 is L steps of GD with the best constant step).") with { Role = ParameterRole.Layers },
        ParameterSpec.Integer("heads", Default.Heads, 1, 4, "Attention heads per layer (outputs summed).") with { Role = ParameterRole.Heads },
        ParameterSpec.Choice("attention", "linear", ["linear", "softmax"],
            "linear: Σᵢ (Kᵀ eᵢ)·(Q e_j)·V eᵢ / N over the N context tokens (von Oswald); softmax: softmax(QKᵀ/√(d+1)) over them."),
        ParameterSpec.Flag("layernorm", Default.LayerNorm, "Pre-LayerNorm (learned gain/bias) before every attention and MLP block."),
        ParameterSpec.Flag("mlp", Default.Mlp, "A ReLU MLP block (hidden 4(d+1)) after every attention block."),
        ParameterSpec.Real("lr", Default.LearningRate, 1e-5, 1, "Adam learning rate (cosine-decayed to 1% over the run).", logScale: true),
        ParameterSpec.Integer("steps", Default.Steps, 1, 1_000_000, "Adam steps, each on a fresh batch of prompts.") with { Role = ParameterRole.Steps },
        ParameterSpec.Integer("batch", Default.Batch, 1, 65_536, "Prompts per training step.") with { Role = ParameterRole.Batch },
        ParameterSpec.Integer("test_prompts", Default.TestPrompts, 64, 262_144, "Fixed held-out prompts for test_loss, cosine and the references."),
        ParameterSpec.Integer("ref_prompts", Default.ReferencePrompts, 256, 1_000_000, "Fresh prompts on which the GD steps η are tuned."),
        ParameterSpec.Real("init_scale", Default.InitScale, 1e-4, 1, "Standard deviation of the initial attention/MLP weights.", logScale: true),
    ];

    public static IclLinRegSettings From(RunParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new IclLinRegSettings(
            parameters.GetString("data").ToUpperInvariant() switch
            {
                "GAUSSIAN" => IclDataKind.Gaussian,
                "ANISOTROPIC" => IclDataKind.Anisotropic,
                _ => IclDataKind.VonOswald,
            },
            checked((int)parameters.GetInt("d")),
            checked((int)parameters.GetInt("n")),
            parameters.GetDouble("noise"),
            checked((int)parameters.GetInt("layers")),
            checked((int)parameters.GetInt("heads")),
            string.Equals(parameters.GetString("attention"), "softmax", StringComparison.OrdinalIgnoreCase) ? IclAttention.Softmax : IclAttention.Linear,
            parameters.GetBool("layernorm"),
            parameters.GetBool("mlp"),
            parameters.GetDouble("lr"),
            checked((int)parameters.GetInt("steps")),
            checked((int)parameters.GetInt("batch")),
            checked((int)parameters.GetInt("test_prompts")),
            checked((int)parameters.GetInt("ref_prompts")),
            parameters.GetDouble("init_scale"));
    }

    /// <summary>The default parameters as <see cref="RunParameters"/>, with some overridden (for tests and benchmarks).</summary>
    public static RunParameters Parameters(params (string Name, object Value)[] overrides) =>
        RunParameters.DefaultsWith(Specs, overrides);

    public IclTask Task => new(Data, Dim, Context, NoiseStd);

    /// <summary>Live metrics every this many steps (about 100 points per run, at least every 10 steps).</summary>
    public int ReportEvery => Math.Max(10, (Steps + 99) / 100);
}
