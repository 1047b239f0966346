using Hangfire;
using Hangfire.States;
using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Training.Worker;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Runs;

/// <summary>
/// At start: migrate the database, then make sure every run SQLite says is Queued (or, embedded, Running) has a job.
/// With the embedded in-memory Hangfire storage the previous process's queue is gone, and a Running run lost its
/// worker with it: both are queued again. With shared PostgreSQL storage the jobs outlive the portal and a Running run
/// may be training on a remote worker right now: Running runs are left alone (a dead worker's runs are re-queued when
/// its heartbeats stop), and a Queued run is queued again only when its job is no longer waiting in the storage.
/// </summary>
public sealed partial class RunRecovery(
    IDbContextFactory<LabDbContext> dbFactory, RunQueue queue, HangfireStorageOptions storage, JobStorage jobs,
    ILogger<RunRecovery> logger) : IHostedService
{
    private static readonly string[] WaitingStates =
        [EnqueuedState.StateName, ProcessingState.StateName, ScheduledState.StateName, AwaitingState.StateName];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await SqliteSetup.MigrateAsync(db, cancellationToken);
        var orphaned = storage.IsPostgreSql ? 0 : await db.Runs.Where(r => r.Status == RunStatus.Running && r.Source == RunSource.Catalog)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, RunStatus.Queued)
                .SetProperty(r => r.Worker, (string?)null)
                .SetProperty(r => r.LeaseOwner, (string?)null)
                .SetProperty(r => r.LeaseExpiresAt, (DateTimeOffset?)null), cancellationToken);
        var pending = await db.Runs.Where(r => r.Status == RunStatus.Queued && r.Source == RunSource.Catalog).OrderBy(r => r.Id).ToListAsync(cancellationToken);
        if (storage.IsPostgreSql) pending = StillWithoutJob(pending);
        foreach (var run in pending) run.HangfireJobId = queue.Enqueue(run);
        await db.SaveChangesAsync(cancellationToken);
        if (pending.Count > 0) LogRequeued(pending.Count, orphaned);
    }

    private List<Run> StillWithoutJob(List<Run> runs)
    {
        using var connection = jobs.GetConnection();
        return [.. runs.Where(r => r.HangfireJobId is null || !WaitingStates.Contains(connection.GetStateData(r.HangfireJobId)?.Name))];
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Queued {Count} runs again at start ({Orphaned} had been running)")]
    private partial void LogRequeued(int count, int orphaned);
}
