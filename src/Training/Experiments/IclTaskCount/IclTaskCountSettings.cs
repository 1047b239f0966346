using LayerLab.Training.Contracts;

namespace LayerLab.Training.Experiments.IclTaskCount;

public enum Spectrum { Isotropic, PowerLaw }

/// <summary>gamma: ŷ = x_qᵀ Γ (1/N) Σ yᵢxᵢ; full: ŷ = uᵀ ((1/N) Σ zᵢzᵢᵀ) V x_q with zᵢ = (xᵢ, yᵢ) (one linear-attention layer).</summary>
public enum TaskCountModel { Gamma, Full }

/// <summary>The knobs of one icl-task-count run, read from validated <see cref="RunParameters"/>.</summary>
public sealed record IclTaskCountSettings(
    int Dimension,
    int TrainContext,
    int TestContext,
    double NoiseVariance,
    Spectrum Spectrum,
    double Alpha,
    string Pools,
    double LearningRate,
    int Steps,
    int Batch,
    double Tolerance,
    int PoolPosteriorMax,
    TaskCountModel Model = TaskCountModel.Gamma)
{
    /// <summary>Preset pool-size lists (fresh tasks, "M=inf", are always trained alongside).</summary>
    public static IReadOnlyDictionary<string, long[]> PoolPresets { get; } = new Dictionary<string, long[]>(StringComparer.Ordinal)
    {
        ["pow4_1_65536"] = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536],
        ["pow4_1_4096"] = [1, 4, 16, 64, 256, 1024, 4096],
        ["pow2_1_65536"] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536],
        ["pow2_1_256"] = [1, 2, 4, 8, 16, 32, 64, 128, 256],
    };

    public static IclTaskCountSettings Default { get; } =
        new(8, 16, 64, 0.25, Spectrum.Isotropic, 1.0, "pow4_1_65536", 0.01, 1500, 256, 0.05, 4096);

    public static IReadOnlyList<ParameterSpec> Specs { get; } =
    [
        ParameterSpec.Integer("d", Default.Dimension, 1, 64, "Input dimension d; tasks w ~ N(0, I/d).") with { Role = ParameterRole.Width },
        ParameterSpec.Integer("n_train", Default.TrainContext, 1, 512, "Context length N of the pretraining prompts."),
        ParameterSpec.Integer("n_test", Default.TestContext, 1, 512,
            "Context length of the test prompts (≠ n_train measures the cost of a train/test length mismatch)."),
        ParameterSpec.Real("noise", Default.NoiseVariance, 1e-3, 10, "Label noise variance σ² (y = w·x + ε, ε ~ N(0, σ²)).", logScale: true),
        ParameterSpec.Choice("spectrum", "isotropic", ["isotropic", "powerlaw"],
            "Covariance Σ of x: isotropic = I, powerlaw = diag(i^−alpha), i = 1..d."),
        ParameterSpec.Real("alpha", Default.Alpha, 0, 3, "Decay exponent of the powerlaw spectrum (ignored for isotropic)."),
        ParameterSpec.Choice("pools", Default.Pools, [.. PoolPresets.Keys],
            "Pretraining task-pool sizes M trained at once (each a fixed pool drawn once; pools are nested prefixes of one draw). Fresh tasks every step (M = ∞, pool = 0) always train alongside."),
        ParameterSpec.Real("lr", Default.LearningRate, 1e-5, 1, "Adam learning rate (cosine-decayed to 0 over the run).", logScale: true),
        ParameterSpec.Integer("steps", Default.Steps, 1, 1_000_000, "Adam steps; every pool size trains in the same step.") with { Role = ParameterRole.Steps },
        ParameterSpec.Integer("batch", Default.Batch, 1, 8192, "Prompts per step per pool size.") with { Role = ParameterRole.Batch },
        ParameterSpec.Real("tolerance", Default.Tolerance, 1e-3, 1,
            "\"Tasks needed\" = smallest M whose test MSE (at n_train) is within this fraction of the optimal Γ*'s risk."),
        ParameterSpec.Integer("pool_posterior_max", Default.PoolPosteriorMax, 0, 65536,
            "Largest M for which the pool posterior mean reference is computed (cost grows with M)."),
        ParameterSpec.Choice("model", "gamma", ["gamma", "full"],
            "gamma = ŷ = x_qᵀ Γ (1/N) Σ yᵢxᵢ (exact test MSE); full = one linear-attention layer ŷ = uᵀ((1/N) Σ zᵢzᵢᵀ)V x_q, zᵢ = (xᵢ, yᵢ) (test MSE by Monte Carlo on 8,192 prompts)."),
    ];

    public static IclTaskCountSettings From(RunParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new IclTaskCountSettings(
            checked((int)parameters.GetInt("d")),
            checked((int)parameters.GetInt("n_train")),
            checked((int)parameters.GetInt("n_test")),
            parameters.GetDouble("noise"),
            string.Equals(parameters.GetString("spectrum"), "powerlaw", StringComparison.OrdinalIgnoreCase) ? Spectrum.PowerLaw : Spectrum.Isotropic,
            parameters.GetDouble("alpha"),
            parameters.GetString("pools"),
            parameters.GetDouble("lr"),
            checked((int)parameters.GetInt("steps")),
            checked((int)parameters.GetInt("batch")),
            parameters.GetDouble("tolerance"),
            checked((int)parameters.GetInt("pool_posterior_max")),
            string.Equals(parameters.GetString("model"), "full", StringComparison.OrdinalIgnoreCase) ? TaskCountModel.Full : TaskCountModel.Gamma);
    }

    /// <summary>The default parameters as <see cref="RunParameters"/>, with some overridden (tests, benchmarks).</summary>
    public static RunParameters Parameters(params (string Name, object Value)[] overrides) =>
        RunParameters.DefaultsWith(Specs, overrides);

    /// <summary>The finite pool sizes of this run, ascending.</summary>
    public long[] PoolSizes() =>
        PoolPresets.TryGetValue(Pools, out var sizes) ? sizes : throw new ArgumentException($"Unknown pool preset '{Pools}'.");

    /// <summary>Eigenvalues of Σ (diagonal): 1 for isotropic, i^−α for powerlaw.</summary>
    public double[] Eigenvalues() =>
        [.. Enumerable.Range(1, Dimension).Select(i => Spectrum == Spectrum.PowerLaw ? Math.Pow(i, -Alpha) : 1.0)];

    /// <summary>Live metrics every this many steps (~100 points per run).</summary>
    public int ReportEvery => Math.Max(5, (Steps + 99) / 100);

    /// <summary>Metric-key label of a pool size; 0 is fresh tasks (M = ∞).</summary>
    public static string Label(long pool) => pool == 0 ? "inf" : pool.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
