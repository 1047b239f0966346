using LayerLab.Training.Contracts;

namespace LayerLab.Training.Experiments.RefexCompose;

/// <summary>The knobs of one refex-compose run, read from validated <see cref="RunParameters"/>.</summary>
public sealed record RefexComposeSettings(
    int Layers, int Heads, int Width, PositionalScheme Positional, int Steps, int Batch, double Lr, int Distractors,
    int HeldOutColour, int HeldOutShape, int TestExamples, int EvalEvery, bool Factored = true, bool HeldOutAsDistractor = false)
{
    public static RefexComposeSettings Default { get; } = new(1, 1, 32, PositionalScheme.Learned, 1_500, 128, 3e-3, 8, 2, 2, 1_000, 100);

    public static IReadOnlyList<ParameterSpec> Specs { get; } =
    [
        ParameterSpec.Integer("layers", Default.Layers, 1, 6, "Attention layers (no MLP in any of them).") with { Role = ParameterRole.Layers },
        // Choices, so heads always divide the width.
        ParameterSpec.Choice("heads", "1", ["1", "2", "4", "8"], "Attention heads per layer.") with { Role = ParameterRole.Heads },
        ParameterSpec.Choice("width", "32", ["16", "32", "64", "128"], "Model width (embedding size).") with { Role = ParameterRole.Width },
        ParameterSpec.Choice("positional", "learned", ["learned", "sin2d", "none"],
            "Positions: learned per token, 2-D sinusoidal (row and column, half the width each), or none (the pointer read-out still knows each cell)."),
        ParameterSpec.Choice("objects", "factored", ["factored", "joint"],
            "How an object is embedded: factored = cell + colour + shape vectors (the paper's attribute description), joint = one vector per colour × shape pair."),
        ParameterSpec.Integer("steps", Default.Steps, 10, 200_000, "AdamW steps, a fresh batch of grids each.") with { Role = ParameterRole.Steps },
        ParameterSpec.Integer("batch", Default.Batch, 1, 4_096, "Grids per step.") with { Role = ParameterRole.Batch },
        ParameterSpec.Real("lr", Default.Lr, 1e-5, 1, "AdamW learning rate (weight decay 0.01).", logScale: true),
        ParameterSpec.Integer("distractors", Default.Distractors, 0, 35, "Other objects on the grid; each shares the colour or the shape with the target, or neither, but never both."),
        ParameterSpec.Integer("heldout_colour", Default.HeldOutColour, 0, 2, "Colour of the pair never asked for in training."),
        ParameterSpec.Integer("heldout_shape", Default.HeldOutShape, 0, 2, "Shape of the pair never asked for in training."),
        ParameterSpec.Flag("heldout_as_distractor", false,
            "false: the held-out pair never appears on a training grid; true: it may appear as a distractor (never as the target)."),
        ParameterSpec.Integer("test_examples", Default.TestExamples, 10, 100_000, "Grids in each test set (held-out pair; the other pairs)."),
        ParameterSpec.Integer("eval_every", Default.EvalEvery, 1, 100_000, "Steps between evaluations (live points)."),
    ];

    public static RefexComposeSettings From(RunParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new RefexComposeSettings(
            checked((int)parameters.GetInt("layers")),
            int.Parse(parameters.GetString("heads"), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(parameters.GetString("width"), System.Globalization.CultureInfo.InvariantCulture),
            parameters.GetString("positional").ToLowerInvariant() switch { "sin2d" => PositionalScheme.Sinusoidal2D, "none" => PositionalScheme.None, _ => PositionalScheme.Learned },
            checked((int)parameters.GetInt("steps")), checked((int)parameters.GetInt("batch")), parameters.GetDouble("lr"),
            checked((int)parameters.GetInt("distractors")), checked((int)parameters.GetInt("heldout_colour")), checked((int)parameters.GetInt("heldout_shape")),
            checked((int)parameters.GetInt("test_examples")), checked((int)parameters.GetInt("eval_every")),
            !parameters.GetString("objects").Equals("joint", StringComparison.OrdinalIgnoreCase),
            parameters.GetBool("heldout_as_distractor"));
    }

    public static RunParameters Parameters(params (string Name, object Value)[] overrides) => RunParameters.DefaultsWith(Specs, overrides);

    public (int Colour, int Shape) HeldOut => (HeldOutColour, HeldOutShape);
}
