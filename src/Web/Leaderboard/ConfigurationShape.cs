using System.Globalization;
using System.Text.Json;
using LayerLab.Data.Leaderboard;
using LayerLab.Data.Runs;
using LayerLab.Training.Contracts;

namespace LayerLab.Web.Leaderboard;

/// <summary>
/// The architecture and training length of a configuration, read from the experiment's knobs by their
/// <see cref="ParameterRole"/> (so "depth" with role Layers counts as layers); null where it has no knob of that
/// role. A knob missing from stored JSON takes the experiment's default.
/// </summary>
public sealed record ConfigurationShape(long? Layers, long? Heads, long? Width, long? Steps, long? Batch)
{
    /// <summary>External runs have no declared knobs: what they logged is read under these conventional names.</summary>
    private static readonly Dictionary<ParameterRole, string[]> LoggedNames = new()
    {
        [ParameterRole.Layers] = ["layers"],
        [ParameterRole.Heads] = ["heads"],
        [ParameterRole.Width] = ["d_model", "width", "d"],
        [ParameterRole.Steps] = ["steps"],
        [ParameterRole.Batch] = ["batch"],
    };

    public static ConfigurationShape Of(string parametersJson, IExperiment? experiment)
    {
        var values = RunJson.ParametersOf(parametersJson);
        long? Logged(string name) =>
            values.TryGetValue(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;
        long? Read(ParameterRole role)
        {
            if (experiment is null) return LoggedNames[role].Select(Logged).FirstOrDefault(n => n is not null);
            if (experiment.Parameters.FirstOrDefault(p => p.Role == role) is not { } spec) return null;
            return Logged(spec.Name) ??
                   (long.TryParse(spec.DefaultText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var d) ? d : null);
        }
        return new ConfigurationShape(
            Read(ParameterRole.Layers), Read(ParameterRole.Heads), Read(ParameterRole.Width), Read(ParameterRole.Steps), Read(ParameterRole.Batch));
    }
}

/// <summary>
/// How the budget view measures training compute, per experiment: parameters × steps × batch (examples seen times
/// model size — proportional to training FLOPs for a fixed example length) when the experiment has steps and batch
/// knobs (by role); otherwise the mean wall-clock seconds of training, which is all that is known.
/// </summary>
public sealed record ComputeMeasure(bool FromSteps)
{
    public string AxisLabel => FromSteps ? "compute ≈ parameters × steps × batch" : "training wall-clock time (s)";

    public string Explanation => FromSteps
        ? "Compute is parameters × steps × batch: model size times examples seen, proportional to training FLOPs for a fixed example length (not measured FLOPs)."
        : "This experiment has no steps and batch parameters: compute is the mean wall-clock training time in seconds on the run's device (not FLOPs).";

    public static ComputeMeasure For(IExperiment? experiment) => new(
        experiment is not null && experiment.Parameters.Any(p => p.Role == ParameterRole.Steps) &&
        experiment.Parameters.Any(p => p.Role == ParameterRole.Batch));

    public double? Of(LeaderboardRow row, ConfigurationShape shape)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(shape);
        if (!FromSteps) return row.MeanSeconds > 0 ? row.MeanSeconds : null;
        return row.ParameterCount is { } p && shape.Steps is { } s && shape.Batch is { } b ? p * s * b : null;
    }
}
