using System.Text.Json;
using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Training.Contracts;
using LayerLab.Training.Jobs;
using LayerLab.Web.Ingestion;
using LayerLab.Web.Live;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Runs;

/// <summary>
/// The portal's side of <see cref="IRunLedger"/>: every status change is a <see cref="RunTransitions"/> compare-and-set
/// on the run's row (expected status and attempt), so a stale or duplicate delivery changes nothing. A claim gives the
/// worker a lease that its heartbeat renews; <see cref="LeaseExpiry"/> queues a run again when its lease runs out.
/// The <see cref="IRunLedger"/> methods serve the portal's own (trusted) worker; remote workers come through the
/// <see cref="HeldAttempt"/> overloads, whose owner must be the one that claimed the attempt (their token and instance).
/// </summary>
public sealed class PortalRunLedger(
    IDbContextFactory<LabDbContext> dbFactory,
    MetricIngestion ingestion,
    RunProgressWriter progress,
    RunEvents events,
    RunFinishedSubscribers finishedSubscribers,
    TimeProvider clock,
    RunLeaseOptions lease) : IRunLedger
{
    public Task<RunClaim?> TryClaimAsync(long runId, string worker, string device, CancellationToken cancellationToken) =>
        TryClaimAsync(runId, worker, owner: worker, device, cancellationToken);

    /// <param name="owner">The key every later write of this attempt must present (see <see cref="HeldAttempt"/>).</param>
    public async Task<RunClaim?> TryClaimAsync(long runId, string worker, string owner, string device, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var claimed = await db.Runs.ClaimAsync(runId, new RunLease(worker, owner, device, lease.Lease), now, cancellationToken);
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
        // Latest steps are kept per key on write, so this reads a handful of rows, not the history.
        var lastSystemStep = await db.LatestMetrics
            .Where(m => m.RunId == runId && m.Key.StartsWith(SystemSampler.Prefix))
            .MaxAsync(m => (long?)m.Step, cancellationToken);
        return new RunClaim(run.Attempt, lastSystemStep + 1 ?? 0);
    }

    public async Task<bool> IsCancelRequestedAsync(long runId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Runs.Where(r => r.Id == runId).Select(r => r.CancelRequested).FirstOrDefaultAsync(cancellationToken);
    }

    // The portal's own worker: it holds what it claimed, so the attempt alone guards its writes.

    public Task<bool> RenewLeaseAsync(long runId, int attempt, CancellationToken cancellationToken) =>
        RenewLeaseAsync(new HeldAttempt(runId, attempt), cancellationToken);

    public Task CompleteAsync(long runId, int attempt, RunResult result, CancellationToken cancellationToken) =>
        CompleteAsync(new HeldAttempt(runId, attempt), result, cancellationToken);

    public Task FailAsync(long runId, int attempt, string error, CancellationToken cancellationToken) =>
        FailAsync(new HeldAttempt(runId, attempt), error, cancellationToken);

    public Task MarkCancelledAsync(long runId, int attempt, CancellationToken cancellationToken) =>
        MarkCancelledAsync(new HeldAttempt(runId, attempt), cancellationToken);

    public Task RecordResumeAsync(long runId, int attempt, long step, CancellationToken cancellationToken) =>
        RecordResumeAsync(new HeldAttempt(runId, attempt), step, cancellationToken);

    public Task ReleaseAsync(long runId, int attempt, CancellationToken cancellationToken) =>
        ReleaseAsync(new HeldAttempt(runId, attempt), cancellationToken);

    // Each write below returns whether it changed the run: false for a stale attempt, a finished run, or a caller that
    // does not hold the attempt's lease.

    /// <summary>Whether the attempt is the run's running one and (with an owner) held by that owner.</summary>
    public async Task<bool> HoldsAsync(HeldAttempt held, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await Rows(db, held).AnyAsync(cancellationToken);
    }

    public async Task<bool> RenewLeaseAsync(HeldAttempt held, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await Rows(db, held).ExtendLeaseAsync(clock.GetUtcNow() + lease.Lease, cancellationToken) == 1;
    }

    public Task<bool> CompleteAsync(HeldAttempt held, RunResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        var summary = JsonSerializer.Serialize(result.Summary.Where(kv => double.IsFinite(kv.Value)).ToDictionary());
        var references = JsonSerializer.Serialize(result.References);
        return FinishAsync(held, RunEnd.Succeeded(summary, references, result.Verdict), cancellationToken);
    }

    public Task<bool> FailAsync(HeldAttempt held, string error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        return FinishAsync(held, RunEnd.Failed(error.Length > 4000 ? error[..4000] : error), cancellationToken);
    }

    public Task<bool> MarkCancelledAsync(HeldAttempt held, CancellationToken cancellationToken) =>
        FinishAsync(held, RunEnd.Cancelled, cancellationToken);

    public async Task<bool> RecordResumeAsync(HeldAttempt held, long step, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var changed = await Rows(db, held).RecordResumeAsync(step, cancellationToken);
        await PublishIfChangedAsync(db, held.RunId, changed, cancellationToken);
        return changed == 1;
    }

    public async Task<bool> ReleaseAsync(HeldAttempt held, CancellationToken cancellationToken)
    {
        // The points reported before the loop stopped are older than its last checkpoint: store them first, or the
        // resumed run would leave a gap (ingestion is still running: the worker stops before it).
        await ingestion.FlushAsync(cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // Its Hangfire job is over: the dispatcher hands it out again in its turn (the update wakes it).
        var changed = await Rows(db, held).ReleaseAsync(cancellationToken);
        await PublishIfChangedAsync(db, held.RunId, changed, cancellationToken);
        return changed == 1;
    }

    /// <summary>Every point the attempt reported is stored before the run says it ended.</summary>
    private async Task<bool> FinishAsync(HeldAttempt held, RunEnd end, CancellationToken cancellationToken)
    {
        await ingestion.FlushAsync(cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var changed = await Rows(db, held).FinishAsync(end, clock.GetUtcNow(), cancellationToken);
        await PublishIfChangedAsync(db, held.RunId, changed, cancellationToken);
        return changed == 1;
    }

    private static IQueryable<Run> Rows(LabDbContext db, HeldAttempt held) => db.Runs.RunningAttempt(held.RunId, held.Attempt, held.Owner);

    private async Task PublishIfChangedAsync(LabDbContext db, long runId, int changed, CancellationToken cancellationToken)
    {
        if (changed == 0) return;
        progress.Forget(runId);
        var run = await db.Runs.AsNoTracking().FirstAsync(r => r.Id == runId, cancellationToken);
        await events.PublishRunUpdatedAsync(run.ToUpdateMessage());
        await finishedSubscribers.TellAsync(run, cancellationToken);
    }
}

/// <summary>One attempt of a run as its worker names it. <see cref="Owner"/> is the lease owner the claim stored;
/// null for the portal's own worker, whose calls need no proof.</summary>
public readonly record struct HeldAttempt(long RunId, int Attempt, string? Owner = null);
