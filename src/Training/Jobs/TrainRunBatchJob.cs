using Hangfire;

namespace LayerLab.Training.Jobs;

/// <summary>
/// Kept only so that batch jobs an older portal left in shared (PostgreSQL) Hangfire storage still run after an
/// upgrade: Hangfire finds a job by type and method name. New batches go to <see cref="TrainRunJob.RunBatchAsync"/>.
/// </summary>
public sealed class TrainRunBatchJob(TrainRunJob job)
{
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Train runs together")]
    public Task RunAsync(RunSpec[] specs, CancellationToken shutdown) => job.RunBatchAsync(specs, shutdown);
}
