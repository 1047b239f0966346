namespace LayerLab.Training.Contracts;

/// <summary>An exact reference value for a metric (drawn as a horizontal line on the run's chart).</summary>
public sealed record ReferenceValue(string MetricKey, string Label, double Value);

/// <summary>What a finished training run leaves behind besides its metric history.</summary>
public sealed record RunResult(
    IReadOnlyDictionary<string, double> Summary,
    IReadOnlyList<ReferenceValue> References,
    string? Verdict = null)
{
    /// <summary>Summary key for the trained model's parameter count: leaderboards' budget view reads it.</summary>
    public const string ParameterCountKey = "param_count";
}
