using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Training.Jobs;
using LayerLab.Web.Live;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Runs;

/// <summary>
/// Queues again every running catalog run whose lease ran out: its worker stopped renewing (killed, frozen, cut
/// off), so nobody is training it. Each run moves Running → Queued by a compare-and-set on (status, attempt, expired
/// lease), so a heartbeat that lands first keeps the run, and the next claim adds one to the attempt — from then on
/// the old attempt's writes (and its next renewal) are refused. The new attempt resumes from the last checkpoint.
/// </summary>
public sealed partial class LeaseExpiry(
    IDbContextFactory<LabDbContext> dbFactory,
    RunQueue queue,
    RunEvents events,
    RunLeaseOptions options,
    TimeProvider clock,
    ILogger<LeaseExpiry> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.LeaseCheck, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await RequeueExpiredAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogCheckFailed(ex); // the next tick tries again
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <returns>How many runs went back to the queue.</returns>
    public async Task<int> RequeueExpiredAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var expired = await db.Runs.AsNoTracking()
            .Where(r => r.Status == RunStatus.Running && r.Source == RunSource.Catalog && r.LeaseExpiresAt != null && r.LeaseExpiresAt < now)
            .Select(r => new { r.Id, r.Attempt, r.LeaseOwner })
            .ToListAsync(cancellationToken);
        var requeued = 0;
        foreach (var run in expired)
        {
            var changed = await db.Runs.RunningAttempt(run.Id, run.Attempt).Where(r => r.LeaseExpiresAt < now)
                .ReleaseAsync(cancellationToken);
            if (changed == 0) continue; // renewed or finished meanwhile
            var row = await db.Runs.AsNoTracking().FirstAsync(r => r.Id == run.Id, cancellationToken);
            queue.Enqueue(row);
            await events.PublishRunUpdatedAsync(row.ToUpdateMessage());
            LogRequeued(run.Id, run.Attempt, run.LeaseOwner);
            requeued++;
        }
        return requeued;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} attempt {Attempt}: the lease of {Worker} expired; the run is queued again")]
    private partial void LogRequeued(long runId, int attempt, string? worker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for expired leases failed")]
    private partial void LogCheckFailed(Exception ex);
}
