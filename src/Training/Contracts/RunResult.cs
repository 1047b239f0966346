namespace LayerLab.Training.Contracts;

/// <summary>An exact reference value for a metric (drawn as a horizontal line on the run's chart).</summary>
public sealed record ReferenceValue(string MetricKey, string Label, double Value);

/// <summary>What a finished training run leaves behind besides its metric history.</summary>
public sealed record RunResult(
    IReadOnlyDictionary<string, double> Summary,
    IReadOnlyList<ReferenceValue> References,
    string? Verdict = null);
