using LayerLab.Training.Contracts;

namespace LayerLab.Training.Experiments.Shared;

/// <summary>One live report from a training thread: metrics at a step and the fraction of work done, and the small
/// tensors (weights, maps, grids) logged at that step, if any.</summary>
public sealed record LiveReport(long Step, double Progress, IReadOnlyDictionary<string, double> Metrics)
{
    public IReadOnlyList<TensorSample> Tensors { get; init; } = [];
}
