using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Training.Jobs;
using LayerLab.Web.Hosting;
using LayerLab.Web.Live;
using LayerLab.Web.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LayerLab.Web.Workers;

/// <summary>
/// With shared storage and remote workers: a Running run whose worker stopped sending heartbeats (killed, machine
/// gone) goes back to Queued and into the queue again, through a compare-and-set on (status, attempt), so the dead
/// attempt can no longer write its end. Hangfire would deliver the dead worker's job again only after the
/// invisibility timeout; that late delivery then finds the run claimed and does nothing.
/// A stop-gap until runs carry their own lease (lease owner + expiry renewed by the worker); then this goes.
/// </summary>
public sealed partial class DeadWorkerSweeper(
    IDbContextFactory<LabDbContext> dbFactory,
    WorkerRegistry workers,
    RunQueue queue,
    RunEvents events,
    IOptions<LayerLabOptions> options,
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
        foreach (var run in running)
        {
            if (workers.IsAlive(run.Worker) || IsThisPortalsWorker(run.Worker)) continue;
            var changed = await db.Runs.Where(r => r.Id == run.Id && r.Status == RunStatus.Running && r.Attempt == run.Attempt)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Queued).SetProperty(r => r.Worker, (string?)null), cancellationToken);
            if (changed == 0) continue; // it ended or moved on meanwhile
            var queued = await db.Runs.FirstAsync(r => r.Id == run.Id, cancellationToken);
            queued.HangfireJobId = queue.Enqueue(queued);
            await db.SaveChangesAsync(cancellationToken);
            await events.PublishRunUpdatedAsync(queued.ToUpdateMessage());
            LogRequeued(run.Id, run.Worker, run.Attempt);
        }
    }

    /// <summary>The portal's own in-process worker (Worker:Enabled) is alive as long as the portal is.</summary>
    private bool IsThisPortalsWorker(string? worker) => options.Value.Worker.Enabled && worker == TrainRunJob.WorkerName;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId}: worker {Worker} stopped sending heartbeats during attempt {Attempt}; the run is queued again")]
    private partial void LogRequeued(long runId, string? worker, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sweeping runs of dead workers failed; trying again")]
    private partial void LogSweepFailed(Exception ex);
}
