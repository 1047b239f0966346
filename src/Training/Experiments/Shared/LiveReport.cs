namespace LayerLab.Training.Experiments.Shared;

/// <summary>One live report from a training thread: metrics at a step and the fraction of work done.</summary>
public sealed record LiveReport(long Step, double Progress, IReadOnlyDictionary<string, double> Metrics);
