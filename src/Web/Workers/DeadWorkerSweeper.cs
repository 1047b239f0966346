using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Training.Jobs;
using LayerLab.Web.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LayerLab.Web.Workers;

/// <summary>
/// With shared storage and remote workers: a worker that stopped sending heartbeats (killed, machine gone) is known
/// dead after <c>Workers:HeartbeatTimeoutSeconds</c>, sooner than its runs' leases would run out. Its Running runs'
/// leases are ended now (a compare-and-set on status and attempt) and <see cref="LeaseExpiry"/> queues them again:
/// one path back to the queue, and the dead attempt can no longer write its end.
/// </summary>
public sealed partial class DeadWorkerSweeper(
    IDbContextFactory<LabDbContext> dbFactory,
    WorkerRegistry workers,
    LeaseExpiry leases,
    IOptions<WorkerOptions> inProcessWorker,
    TimeProvider clock,
    ILogger<DeadWorkerSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = clock.GetUtcNow();
        var period = TimeSpan.FromSeconds(Math.Clamp(workers.Timeout.TotalSeconds / 4, 0.5, 5));
        using var timer = new PeriodicTimer(period, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            // After a portal restart, give live workers one timeout to be heard from before judging them.
            if (clock.GetUtcNow() - started < workers.Timeout) continue;
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or Microsoft.Data.Sqlite.SqliteException)
            {
                LogSweepFailed(ex);
            }
        }
    }

    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var running = await db.Runs.AsNoTracking()
            .Where(r => r.Status == RunStatus.Running && r.Source == RunSource.Catalog)
            .Select(r => new { r.Id, r.Attempt, r.Worker })
            .ToListAsync(cancellationToken);
        var ended = 0;
        foreach (var run in running)
        {
            if (workers.IsAlive(run.Worker) || IsThisPortalsWorker(run.Worker)) continue;
            // Already past: LeaseExpiry's "expired before now" holds at once.
            var expired = clock.GetUtcNow().AddSeconds(-1);
            ended += await db.Runs.RunningAttempt(run.Id, run.Attempt).ExtendLeaseAsync(expired, cancellationToken);
            LogWorkerDead(run.Id, run.Worker, run.Attempt);
        }
        if (ended > 0) await leases.RequeueExpiredAsync(cancellationToken);
    }

    /// <summary>The portal's own in-process worker (Worker:Enabled) is alive as long as the portal is.</summary>
    private bool IsThisPortalsWorker(string? worker) => inProcessWorker.Value.Enabled && worker == TrainRunJob.WorkerName;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId}: worker {Worker} stopped sending heartbeats during attempt {Attempt}; its lease ends now")]
    private partial void LogWorkerDead(long runId, string? worker, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sweeping runs of dead workers failed; trying again")]
    private partial void LogSweepFailed(Exception ex);
}
