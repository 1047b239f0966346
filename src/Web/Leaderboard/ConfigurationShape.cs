using System.Globalization;
using System.Text.Json;
using LayerLab.Data.Leaderboard;
using LayerLab.Training.Contracts;

namespace LayerLab.Web.Leaderboard;

/// <summary>
/// The architecture and training length of a configuration, read from its parameters where the experiment has such
/// parameters (names differ: width is "d_model" or "d"); null where it has none. A parameter missing from stored JSON
/// takes the experiment's default.
/// </summary>
public sealed record ConfigurationShape(long? Layers, long? Heads, long? Width, long? Steps, long? Batch)
{
    private static readonly string[] WidthNames = ["d_model", "width", "d"];

    public static ConfigurationShape Of(string parametersJson, IExperiment? experiment)
    {
        Dictionary<string, JsonElement> values;
        try { values = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(parametersJson) ?? []; }
        catch (JsonException) { values = []; }
        long? Read(params string[] names)
        {
            foreach (var name in names)
            {
                if (values.TryGetValue(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n)) return n;
                if (experiment?.Parameters.FirstOrDefault(p => p.Name == name) is { } spec &&
                    long.TryParse(spec.DefaultText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var d)) return d;
            }
            return null;
        }
        return new ConfigurationShape(Read("layers"), Read("heads"), Read(WidthNames), Read("steps"), Read("batch"));
    }
}

/// <summary>
/// How the budget view measures training compute, per experiment: parameters × steps × batch (examples seen times
/// model size — proportional to training FLOPs for a fixed example length) when the experiment has steps and batch
/// parameters; otherwise the mean wall-clock seconds of training, which is all that is known.
/// </summary>
public sealed record ComputeMeasure(bool FromSteps)
{
    public string AxisLabel => FromSteps ? "compute ≈ parameters × steps × batch" : "training wall-clock time (s)";

    public string Explanation => FromSteps
        ? "Compute is parameters × steps × batch: model size times examples seen, proportional to training FLOPs for a fixed example length (not measured FLOPs)."
        : "This experiment has no steps and batch parameters: compute is the mean wall-clock training time in seconds on the run's device (not FLOPs).";

    public static ComputeMeasure For(IExperiment? experiment) => new(
        experiment is not null && experiment.Parameters.Any(p => p.Name == "steps") && experiment.Parameters.Any(p => p.Name == "batch"));

    public double? Of(LeaderboardRow row, ConfigurationShape shape)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(shape);
        if (!FromSteps) return row.MeanSeconds > 0 ? row.MeanSeconds : null;
        return row.ParameterCount is { } p && shape.Steps is { } s && shape.Batch is { } b ? p * s * b : null;
    }
}
