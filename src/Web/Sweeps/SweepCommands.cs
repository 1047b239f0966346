using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Data.Sweeps;
using LayerLab.Web.Live;
using LayerLab.Web.Runs;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Sweeps;

public enum SweepActionOutcome { NotFound, Forbidden, Done }

/// <summary>What happened to a sweep-wide action: how many runs it touched.</summary>
public sealed record SweepActionResult(SweepActionOutcome Outcome, int Runs);

/// <summary>
/// One action over all of a sweep's runs. Cancel goes through <see cref="RunCommands"/> run by run (same rules as
/// cancelling one run). Re-queue resets each failed or cancelled run to Queued in place — same id, parameters and
/// seed, its partial metrics and error dropped — and queues it again, so the sweep keeps exactly one run per
/// configuration and seed and its table needs no de-duplication.
/// </summary>
public sealed class SweepCommands(
    IDbContextFactory<LabDbContext> dbFactory, RunCommands runCommands, RunQueue queue, RunEvents events, TimeProvider clock)
{
    public async Task<SweepActionResult> CancelAsync(long sweepId, RunActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var check = await CheckAsync(db, sweepId, actor, cancellationToken);
        if (check is not null) return check;
        var unfinished = await db.Runs.Where(r => r.SweepId == sweepId && (r.Status == RunStatus.Queued || r.Status == RunStatus.Running))
            .OrderByDescending(r => r.Status == RunStatus.Queued).ThenBy(r => r.Id) // queued first: no worker picks them up meanwhile
            .Select(r => r.Id).ToListAsync(cancellationToken);
        var touched = 0;
        foreach (var runId in unfinished)
        {
            if (await runCommands.CancelAsync(runId, actor, cancellationToken) is CancelOutcome.Cancelled or CancelOutcome.Stopping)
                touched++;
        }
        return new SweepActionResult(SweepActionOutcome.Done, touched);
    }

    public async Task<SweepActionResult> RequeueAsync(long sweepId, RunActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var check = await CheckAsync(db, sweepId, actor, cancellationToken);
        if (check is not null) return check;
        var now = clock.GetUtcNow();
        List<Run> runs;
        int reset;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            var ids = await db.Runs.Where(r => r.SweepId == sweepId && (r.Status == RunStatus.Failed || r.Status == RunStatus.Cancelled))
                .Select(r => r.Id).ToListAsync(cancellationToken);
            await db.MetricPoints.Where(p => ids.Contains(p.RunId)).ExecuteDeleteAsync(cancellationToken);
            await db.LatestMetrics.Where(p => ids.Contains(p.RunId)).ExecuteDeleteAsync(cancellationToken);
            // The status condition again: a run that changed meanwhile is left alone.
            reset = await db.Runs.Where(r => ids.Contains(r.Id)).RequeueAsync(now, cancellationToken);
            if (reset > 0) // it will finish again: say so again
                await db.Sweeps.Where(s => s.Id == sweepId)
                    .ExecuteUpdateAsync(s => s.SetProperty(x => x.FinishedNotifiedAt, (DateTimeOffset?)null), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            // A cancelled run's old job may still sit in Hangfire and claim its run again the moment it is Queued:
            // harmless (the claim is a compare-and-set); the dispatcher hands out the others in their turn.
            runs = await db.Runs.Where(r => ids.Contains(r.Id) && r.Status == RunStatus.Queued).ToListAsync(cancellationToken);
        }
        queue.EnqueueMany(runs);
        foreach (var run in runs) await events.PublishRunUpdatedAsync(run.ToUpdateMessage());
        return new SweepActionResult(SweepActionOutcome.Done, reset);
    }

    private static async Task<SweepActionResult?> CheckAsync(LabDbContext db, long sweepId, RunActor actor, CancellationToken cancellationToken)
    {
        var sweep = await db.Sweeps.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sweepId, cancellationToken);
        if (sweep is null) return new SweepActionResult(SweepActionOutcome.NotFound, 0);
        return actor.IsAdmin || (sweep.SubmittedById is { } owner && owner == actor.UserId)
            ? null : new SweepActionResult(SweepActionOutcome.Forbidden, 0);
    }
}
