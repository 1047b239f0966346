using LayerLab.Data;
using LayerLab.Data.Runs;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Runs;

/// <summary>
/// At start: migrate the database, then make every run SQLite says is Queued or Running eligible again. With the
/// embedded in-memory Hangfire storage the previous process's queue is gone (so dispatch marks are cleared), and a
/// Running run lost its worker with it. The dispatcher, which starts after this, hands them out in fair order.
/// </summary>
public sealed partial class RunRecovery(
    IDbContextFactory<LabDbContext> dbFactory, ILogger<RunRecovery> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await SqliteSetup.MigrateAsync(db, cancellationToken);
        var orphaned = await db.Runs.Where(r => r.Status == RunStatus.Running && r.Source == RunSource.Catalog)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Queued).SetProperty(r => r.Worker, (string?)null), cancellationToken);
        await db.Runs.Where(r => r.Status == RunStatus.Queued && r.Source == RunSource.Catalog && r.DispatchedAt != null)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.DispatchedAt, (DateTimeOffset?)null).SetProperty(r => r.HangfireJobId, (string?)null), cancellationToken);
        var pending = await db.Runs.CountAsync(r => r.Status == RunStatus.Queued && r.Source == RunSource.Catalog, cancellationToken);
        // Nothing to hand over: the dispatcher's first pass reads every Queued run from SQLite.
        if (pending > 0) LogRequeued(pending, orphaned);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} runs queued again at start ({Orphaned} had been running)")]
    private partial void LogRequeued(int count, int orphaned);
}
