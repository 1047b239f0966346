using LayerLab.Data;
using LayerLab.Data.Runs;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Runs;

/// <summary>
/// At start: migrate the database, then queue again every run SQLite says is Queued or Running. With the embedded
/// in-memory Hangfire storage the previous process's queue is gone, and a Running run lost its worker with it.
/// </summary>
public sealed partial class RunRecovery(
    IDbContextFactory<LabDbContext> dbFactory, RunQueue queue, ILogger<RunRecovery> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await SqliteSetup.MigrateAsync(db, cancellationToken);
        var orphaned = await db.Runs.Where(r => r.Status == RunStatus.Running && r.Source == RunSource.Catalog)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, RunStatus.Queued)
                .SetProperty(r => r.Worker, (string?)null)
                .SetProperty(r => r.LeaseOwner, (string?)null)
                .SetProperty(r => r.LeaseExpiresAt, (DateTimeOffset?)null), cancellationToken);
        var pending = await db.Runs.Where(r => r.Status == RunStatus.Queued && r.Source == RunSource.Catalog).OrderBy(r => r.Id).ToListAsync(cancellationToken);
        foreach (var run in pending) run.HangfireJobId = queue.Enqueue(run);
        await db.SaveChangesAsync(cancellationToken);
        if (pending.Count > 0) LogRequeued(pending.Count, orphaned);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Queued {Count} runs again at start ({Orphaned} had been running)")]
    private partial void LogRequeued(int count, int orphaned);
}
