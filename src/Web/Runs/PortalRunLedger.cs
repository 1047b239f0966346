using System.Text.Json;
using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Training.Contracts;
using LayerLab.Training.Jobs;
using LayerLab.Web.Compare;
using LayerLab.Web.Ingestion;
using LayerLab.Web.Live;
using LayerLab.Web.Notifications;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Runs;

/// <summary>
/// The portal's side of <see cref="IRunLedger"/>: every status change is a compare-and-set on the run's row
/// (expected status and attempt), so a stale or duplicate delivery changes nothing. A claim gives the worker a lease
/// that its heartbeat renews; <see cref="LeaseExpiry"/> queues a run again when its lease runs out.
/// </summary>
public sealed class PortalRunLedger(
    IDbContextFactory<LabDbContext> dbFactory,
    MetricIngestion ingestion,
    RunProgressWriter progress,
    RunEvents events,
    RunReproduction reproduction,
    Notifier notifier,
    HistoryCompactor compactor,
    TimeProvider clock,
    RunLeaseOptions lease,
    ILogger<PortalRunLedger> logger) : IRunLedger
{
    public async Task<RunClaim?> TryClaimAsync(long runId, string worker, string device, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var claimed = await db.Runs.ClaimAsync(runId, new RunLease(worker, worker, device, lease.Lease), now, cancellationToken);
        if (claimed == 0)
        {
            // A queued run whose cancel arrived before any worker took it ends here, once.
            var cancelled = await db.Runs.Where(r => r.Id == runId && r.Status == RunStatus.Queued && r.CancelRequested)
                .FinishAsync(RunEnd.Cancelled, now, cancellationToken);
            await PublishIfChangedAsync(db, runId, cancelled, cancellationToken);
            return null;
        }
        var run = await db.Runs.AsNoTracking().FirstAsync(r => r.Id == runId, cancellationToken);
        await events.PublishRunUpdatedAsync(run.ToUpdateMessage());
        return new RunClaim(run.Attempt);
    }

    public async Task<bool> RenewLeaseAsync(long runId, int attempt, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var until = clock.GetUtcNow() + lease.Lease;
        return await db.Runs.RunningAttempt(runId, attempt).ExtendLeaseAsync(until, cancellationToken) == 1;
    }

    public async Task<bool> IsCancelRequestedAsync(long runId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Runs.Where(r => r.Id == runId).Select(r => r.CancelRequested).FirstOrDefaultAsync(cancellationToken);
    }

    public Task CompleteAsync(long runId, int attempt, RunResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        var summary = JsonSerializer.Serialize(result.Summary.Where(kv => double.IsFinite(kv.Value)).ToDictionary());
        var references = JsonSerializer.Serialize(result.References);
        return FinishAttemptAsync(runId, attempt, RunEnd.Succeeded(summary, references, result.Verdict), cancellationToken);
    }

    public Task FailAsync(long runId, int attempt, string error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        return FinishAttemptAsync(runId, attempt, RunEnd.Failed(error.Length > 4000 ? error[..4000] : error), cancellationToken);
    }

    public Task MarkCancelledAsync(long runId, int attempt, CancellationToken cancellationToken) =>
        FinishAttemptAsync(runId, attempt, RunEnd.Cancelled, cancellationToken);

    public async Task RecordResumeAsync(long runId, int attempt, long step, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var changed = await db.Runs.RunningAttempt(runId, attempt).RecordResumeAsync(step, cancellationToken);
        await PublishIfChangedAsync(db, runId, changed, cancellationToken);
    }

    public async Task ReleaseAsync(long runId, int attempt, CancellationToken cancellationToken)
    {
        // The points reported before the loop stopped are older than its last checkpoint: store them first, or the
        // resumed run would leave a gap (ingestion is still running: the worker stops before it).
        await ingestion.FlushAsync(cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // Its Hangfire job is over: the dispatcher hands it out again in its turn (the update wakes it).
        var changed = await db.Runs.RunningAttempt(runId, attempt).ReleaseAsync(cancellationToken);
        await PublishIfChangedAsync(db, runId, changed, cancellationToken);
    }

    /// <summary>Every point the attempt reported is stored before the run says it ended.</summary>
    private async Task FinishAttemptAsync(long runId, int attempt, RunEnd end, CancellationToken cancellationToken)
    {
        await ingestion.FlushAsync(cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var changed = await db.Runs.RunningAttempt(runId, attempt).FinishAsync(end, clock.GetUtcNow(), cancellationToken);
        await PublishIfChangedAsync(db, runId, changed, cancellationToken);
    }

    private async Task PublishIfChangedAsync(LabDbContext db, long runId, int changed, CancellationToken cancellationToken)
    {
        if (changed == 0) return;
        progress.Forget(runId);
        var run = await db.Runs.AsNoTracking().FirstAsync(r => r.Id == runId, cancellationToken);
        await events.PublishRunUpdatedAsync(run.ToUpdateMessage());
        // A reproduction that ended decides its original's badge.
        if (run.ReproducesRunId is not null && run.Status.IsFinished())
            await reproduction.JudgeAsync(run.Id, cancellationToken);
        if (!run.Status.IsFinished()) return;
        compactor.Schedule(run.Id); // its histories packed for compare reads, in the background
        await NotifyFinishedAsync(run, cancellationToken);
    }

    /// <summary>Best effort: the run's end is already stored; a bell that could not ring must not fail the worker's call.</summary>
    private async Task NotifyFinishedAsync(Run run, CancellationToken cancellationToken)
    {
        try
        {
            await notifier.RunFinishedAsync(run, cancellationToken);
        }
        catch (DbUpdateException ex)
        {
            logger.LogWarning(ex, "Run {RunId} ended but its notification could not be stored", run.Id);
        }
    }
}
