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
        var claimed = await db.Runs
            .Where(r => r.Id == runId && r.Status == RunStatus.Queued && !r.CancelRequested)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, RunStatus.Running)
                .SetProperty(r => r.Attempt, r => r.Attempt + 1)
                .SetProperty(r => r.StartedAt, now)
                .SetProperty(r => r.FinishedAt, (DateTimeOffset?)null)
                .SetProperty(r => r.Worker, worker)
                .SetProperty(r => r.LeaseOwner, worker)
                .SetProperty(r => r.LeaseExpiresAt, now + lease.Lease)
                .SetProperty(r => r.Device, device)
                .SetProperty(r => r.DispatchedAt, (DateTimeOffset?)null) // no longer waiting in Hangfire
                .SetProperty(r => r.Progress, 0)
                .SetProperty(r => r.ResumedFromStep, (long?)null)
                .SetProperty(r => r.Error, (string?)null), cancellationToken);
        if (claimed == 0)
        {
            // A queued run whose cancel arrived before any worker took it ends here, once.
            await FinishAsync(db, runId, r => r.Status == RunStatus.Queued && r.CancelRequested, RunStatus.Cancelled, null, cancellationToken);
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
        return await RunningAttempt(db, runId, attempt)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.LeaseExpiresAt, until), cancellationToken) == 1;
    }

    public async Task<bool> IsCancelRequestedAsync(long runId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Runs.Where(r => r.Id == runId).Select(r => r.CancelRequested).FirstOrDefaultAsync(cancellationToken);
    }

    public async Task CompleteAsync(long runId, int attempt, RunResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        // Every point reported before completion is stored before the run says Succeeded.
        await ingestion.FlushAsync(cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var summary = JsonSerializer.Serialize(result.Summary.Where(kv => double.IsFinite(kv.Value)).ToDictionary());
        var references = JsonSerializer.Serialize(result.References);
        var now = clock.GetUtcNow();
        var changed = await RunningAttempt(db, runId, attempt).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.Status, RunStatus.Succeeded)
            .SetProperty(r => r.LeaseOwner, (string?)null)
            .SetProperty(r => r.LeaseExpiresAt, (DateTimeOffset?)null)
            .SetProperty(r => r.Progress, 1)
            .SetProperty(r => r.FinishedAt, now)
            .SetProperty(r => r.SummaryJson, summary)
            .SetProperty(r => r.ReferencesJson, references)
            .SetProperty(r => r.Verdict, result.Verdict), cancellationToken);
        await PublishIfChangedAsync(db, runId, changed, cancellationToken);
    }

    public async Task FailAsync(long runId, int attempt, string error, CancellationToken cancellationToken)
    {
        await ingestion.FlushAsync(cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var text = error.Length > 4000 ? error[..4000] : error;
        var now = clock.GetUtcNow();
        var changed = await RunningAttempt(db, runId, attempt).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.Status, RunStatus.Failed)
            .SetProperty(r => r.LeaseOwner, (string?)null)
            .SetProperty(r => r.LeaseExpiresAt, (DateTimeOffset?)null)
            .SetProperty(r => r.FinishedAt, now)
            .SetProperty(r => r.Error, text), cancellationToken);
        await PublishIfChangedAsync(db, runId, changed, cancellationToken);
    }

    public async Task MarkCancelledAsync(long runId, int attempt, CancellationToken cancellationToken)
    {
        await ingestion.FlushAsync(cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await FinishAsync(db, runId, r => r.Status == RunStatus.Running && r.Attempt == attempt, RunStatus.Cancelled, null, cancellationToken);
    }

    public async Task RecordResumeAsync(long runId, int attempt, long step, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var changed = await RunningAttempt(db, runId, attempt)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.ResumedFromStep, step), cancellationToken);
        await PublishIfChangedAsync(db, runId, changed, cancellationToken);
    }

    public async Task ReleaseAsync(long runId, int attempt, CancellationToken cancellationToken)
    {
        // The points reported before the loop stopped are older than its last checkpoint: store them first, or the
        // resumed run would leave a gap (ingestion is still running: the worker stops before it).
        await ingestion.FlushAsync(cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var changed = await RunningAttempt(db, runId, attempt).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.Status, RunStatus.Queued)
            .SetProperty(r => r.LeaseOwner, (string?)null)
            .SetProperty(r => r.LeaseExpiresAt, (DateTimeOffset?)null)
            .SetProperty(r => r.Worker, (string?)null)
            // Its Hangfire job is over: the dispatcher hands it out again in its turn (the update wakes it).
            .SetProperty(r => r.DispatchedAt, (DateTimeOffset?)null), cancellationToken);
        await PublishIfChangedAsync(db, runId, changed, cancellationToken);
    }

    private static IQueryable<Run> RunningAttempt(LabDbContext db, long runId, int attempt) =>
        db.Runs.Where(r => r.Id == runId && r.Status == RunStatus.Running && r.Attempt == attempt);

    private async Task FinishAsync(
        LabDbContext db, long runId, System.Linq.Expressions.Expression<Func<Run, bool>> expected,
        RunStatus status, string? error, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var changed = await db.Runs.Where(r => r.Id == runId).Where(expected).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.Status, status)
            .SetProperty(r => r.LeaseOwner, (string?)null)
            .SetProperty(r => r.LeaseExpiresAt, (DateTimeOffset?)null)
            .SetProperty(r => r.FinishedAt, now)
            .SetProperty(r => r.DispatchedAt, (DateTimeOffset?)null)
            .SetProperty(r => r.Error, error), cancellationToken);
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
