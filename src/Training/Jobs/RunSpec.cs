namespace LayerLab.Training.Jobs;

/// <summary>Everything a worker needs to start a run; the Hangfire job carries it whole.</summary>
public sealed record RunSpec(long RunId, string ExperimentKey, string ParametersJson, long Seed);
