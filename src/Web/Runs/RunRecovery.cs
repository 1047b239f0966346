using Hangfire;
using Hangfire.States;
using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Training.Worker;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Runs;

/// <summary>
/// At start: migrate the database, then make every run SQLite says is Queued (or, embedded, Running) eligible again;
/// the dispatcher, which starts after this, hands them out in fair order. With the embedded in-memory Hangfire storage
/// the previous process's queue is gone: dispatch marks are cleared, and a Running run lost its worker with it, so it is
/// queued again. With shared PostgreSQL storage the jobs outlive the portal and a Running run may be training on a
/// remote worker right now: Running runs are left alone (a dead worker's runs come back through lease expiry and the
/// dead-worker sweeper), and a dispatch mark is cleared only when its job is no longer waiting in the storage.
/// </summary>
public sealed partial class RunRecovery(
    IDbContextFactory<LabDbContext> dbFactory, HangfireStorageOptions storage, JobStorage jobs,
    ILogger<RunRecovery> logger) : IHostedService
{
    private static readonly string[] WaitingStates =
        [EnqueuedState.StateName, ProcessingState.StateName, ScheduledState.StateName, AwaitingState.StateName];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await SqliteSetup.MigrateAsync(db, cancellationToken);
        var orphaned = storage.IsPostgreSql ? 0 : await db.Runs.Where(r => r.Status == RunStatus.Running && r.Source == RunSource.Catalog)
            .ReleaseAsync(cancellationToken);
        var dispatched = await db.Runs.Where(r => r.Status == RunStatus.Queued && r.Source == RunSource.Catalog && r.DispatchedAt != null)
            .ToListAsync(cancellationToken);
        if (storage.IsPostgreSql) dispatched = StillWithoutJob(dispatched);
        foreach (var run in dispatched)
        {
            run.DispatchedAt = null;
            run.HangfireJobId = null;
        }
        await db.SaveChangesAsync(cancellationToken);
        var pending = await db.Runs.CountAsync(r => r.Status == RunStatus.Queued && r.Source == RunSource.Catalog, cancellationToken);
        // Nothing to hand over: the dispatcher's first pass reads every Queued run from SQLite.
        if (pending > 0) LogRequeued(pending, orphaned);
    }

    private List<Run> StillWithoutJob(List<Run> runs)
    {
        using var connection = jobs.GetConnection();
        return [.. runs.Where(r => r.HangfireJobId is null || !WaitingStates.Contains(connection.GetStateData(r.HangfireJobId)?.Name))];
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} runs queued again at start ({Orphaned} had been running)")]
    private partial void LogRequeued(int count, int orphaned);
}
