using LayerLab.Training.Contracts;

namespace LayerLab.Training.Experiments.XorPrelu;

/// <summary>The knobs of one xor-prelu run, read from validated <see cref="RunParameters"/>.</summary>
public sealed record XorPreluSettings(
    double LrMin,
    double LrMax,
    int LrPoints,
    int Epochs,
    int Trials,
    InputCoding Coding,
    OptimizerKind Optimizer,
    MlpActivation MlpActivation,
    double InitScale)
{
    public static XorPreluSettings Default { get; } = new(1e-3, 1, 13, 300, 100, InputCoding.PlusMinusOne, OptimizerKind.Adam, MlpActivation.Tanh, 1);

    /// <summary>The parameter specs (form, validation, leaderboard columns). Defaults mirror <see cref="Default"/>.</summary>
    public static IReadOnlyList<ParameterSpec> Specs { get; } =
    [
        ParameterSpec.Real("lr_min", Default.LrMin, 1e-6, 10,
            "Smallest learning rate of the log-spaced grid (the grid runs between lr_min and lr_max, whichever order).",
            logScale: true),
        ParameterSpec.Real("lr_max", Default.LrMax, 1e-6, 10,
            "Largest learning rate of the log-spaced grid.", logScale: true),
        ParameterSpec.Integer("lr_points", Default.LrPoints, 1, 64,
            "Number of learning rates in the grid (13 over 1e-3…1 is 4 per decade). 1 trains at lr_min only."),
        ParameterSpec.Integer("epochs", Default.Epochs, 1, 100_000,
            "Full-batch updates per model (the data set is the 4 points of XOR)."),
        ParameterSpec.Integer("trials", Default.Trials, 1, 10_000,
            "Independent initialisations per learning rate; every model type trains lr_points × trials copies at once."),
        // Default pm1: with {0,1}² a third of random starts sit in a zero-gradient local minimum (w₁ = w₂ = ⅓, the
        // slope never sees a negative input), capping PReLU near 63% at every learning rate; see docs/experiments.md.
        ParameterSpec.Choice("input_coding", "pm1", ["pm1", "01"],
            "Input coding: pm1 = {−1,1}² (default; the exact PReLU solution then scales by ½), 01 = {0,1}² (has a zero-gradient local minimum)."),
        ParameterSpec.Choice("optimizer", "adam", ["adam", "sgd"],
            "Adam (β 0.9/0.999, ε 1e-8, as in PyTorch) or plain gradient descent; one learning rate per model."),
        ParameterSpec.Choice("mlp_activation", "tanh", ["tanh", "relu"],
            "Hidden activation of the 2-2-1 MLP baseline (tanh is the classic XOR network; relu can lose units)."),
        ParameterSpec.Real("init_scale", Default.InitScale, 0.01, 10,
            "Weights and biases start ~ U(−k, k) with k = init_scale/√2 (1 = PyTorch's nn.Linear default); PReLU slopes start at 0.25.",
            logScale: true),
    ];

    public static XorPreluSettings From(RunParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new XorPreluSettings(
            parameters.GetDouble("lr_min"),
            parameters.GetDouble("lr_max"),
            checked((int)parameters.GetInt("lr_points")),
            checked((int)parameters.GetInt("epochs")),
            checked((int)parameters.GetInt("trials")),
            Is(parameters, "input_coding", "pm1") ? InputCoding.PlusMinusOne : InputCoding.ZeroOne,
            Is(parameters, "optimizer", "sgd") ? OptimizerKind.Sgd : OptimizerKind.Adam,
            Is(parameters, "mlp_activation", "relu") ? MlpActivation.Relu : MlpActivation.Tanh,
            parameters.GetDouble("init_scale"));
    }

    private static bool Is(RunParameters parameters, string name, string choice) =>
        string.Equals(parameters.GetString(name), choice, StringComparison.OrdinalIgnoreCase);

    /// <summary>The default parameters as <see cref="RunParameters"/>, with some overridden (for tests and benchmarks).</summary>
    public static RunParameters Parameters(params (string Name, object Value)[] overrides) =>
        RunParameters.DefaultsWith(Specs, overrides);

    /// <summary>
    /// The learning-rate grid, ascending: <see cref="LrPoints"/> points evenly spaced in log10 between the two ends
    /// (which are hit exactly).
    /// </summary>
    public double[] LearningRates()
    {
        var lo = Math.Min(LrMin, LrMax);
        var hi = Math.Max(LrMin, LrMax);
        if (LrPoints == 1) return [lo];
        var (a, b) = (Math.Log10(lo), Math.Log10(hi));
        var grid = new double[LrPoints];
        for (var i = 0; i < LrPoints; i++)
            grid[i] = i == 0 ? lo : i == LrPoints - 1 ? hi : Math.Pow(10, a + ((b - a) * i / (LrPoints - 1)));
        return grid;
    }

    /// <summary>Live metrics every this many epochs (5, more for long runs so a run reports ~200 points at most).</summary>
    public int ReportEvery => Math.Max(5, (Epochs + 199) / 200);
}
