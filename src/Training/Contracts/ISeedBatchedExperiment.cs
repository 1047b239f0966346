namespace LayerLab.Training.Contracts;

/// <summary>
/// Opt-in for experiments that can train several seeds of one configuration as one batched program (one job, about
/// the cost of one run) instead of one job per seed. Each seed is still its own run: its own context, metrics and
/// result. Sweeps group such runs by a batch key (<c>Run.BatchKey</c>) and the queue hands each group to one
/// <c>TrainRunJob.RunBatchAsync</c>.
/// </summary>
public interface ISeedBatchedExperiment : IExperiment
{
    /// <summary>
    /// Trains every run at once. All contexts share <see cref="RunContext.Parameters"/> (and device); they differ by
    /// seed and run id. Each context gets its own live metrics; result i belongs to <paramref name="runs"/>[i] and
    /// must equal what <see cref="IExperiment.TrainAsync"/> gives for that context alone (within float tolerance).
    /// </summary>
    Task<IReadOnlyList<RunResult>> TrainSeedsAsync(IReadOnlyList<RunContext> runs, CancellationToken cancellationToken);
}
