using LayerLab.Training.Contracts;

namespace LayerLab.Training.Experiments.WidthVsDepth;

/// <summary>The knobs of one width-vs-depth run (the minimum-width grid), read from validated <see cref="RunParameters"/>.</summary>
public sealed record WidthVsDepthSettings(int MaxWidth, int MaxDepth, int Restarts, int Steps, double LearningRate, int Grid)
{
    public static WidthVsDepthSettings Default { get; } = new(4, 32, 3, 2_000, 3e-3, 16);

    public static IReadOnlyList<ParameterSpec> Specs { get; } =
    [
        ParameterSpec.Integer("max_width", Default.MaxWidth, 1, 8, "Widths 1 … max_width are trained (hidden units per layer)."),
        ParameterSpec.Integer("max_depth", Default.MaxDepth, 2, 64, "Depths 2, 4, 8, … up to max_depth hidden layers (powers of two)."),
        ParameterSpec.Integer("restarts", Default.Restarts, 1, 16, "Independent initialisations per (width, depth); the best training loss counts (the claim is about what a width can express, not about one start)."),
        ParameterSpec.Integer("steps", Default.Steps, 10, 100_000, "Full-batch Adam steps per network.") with { Role = ParameterRole.Steps },
        ParameterSpec.Real("lr", Default.LearningRate, 1e-5, 1, "Adam learning rate.", logScale: true),
        ParameterSpec.Integer("grid", Default.Grid, 4, 64, "Training points: the centres of a grid × grid lattice on [0,1]²; test: a 2·grid lattice."),
    ];

    public static WidthVsDepthSettings From(RunParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new WidthVsDepthSettings(
            checked((int)parameters.GetInt("max_width")), checked((int)parameters.GetInt("max_depth")),
            checked((int)parameters.GetInt("restarts")), checked((int)parameters.GetInt("steps")),
            parameters.GetDouble("lr"), checked((int)parameters.GetInt("grid")));
    }

    public static RunParameters Parameters(params (string Name, object Value)[] overrides) => RunParameters.DefaultsWith(Specs, overrides);

    public IReadOnlyList<int> Widths => [.. Enumerable.Range(1, MaxWidth)];

    /// <summary>2, 4, 8, … ≤ MaxDepth.</summary>
    public IReadOnlyList<int> Depths
    {
        get
        {
            var depths = new List<int>();
            for (var d = 2; d <= MaxDepth; d *= 2) depths.Add(d);
            return depths;
        }
    }
}
