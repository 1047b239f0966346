using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Training.Jobs;
using LayerLab.Web.Live;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Runs;

public enum CancelOutcome { NotFound, AlreadyFinished, Cancelled, Stopping, Forbidden }

/// <summary>Who asks: researchers act on their own runs, admins on every run.</summary>
public sealed record RunActor(string UserId, string UserName, bool IsAdmin)
{
    public static RunActor From(System.Security.Claims.ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new RunActor(
            user.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value ?? "",
            user.Identity?.Name ?? "",
            user.IsInRole(LayerLab.Data.Accounts.LabRoles.Admin));
    }

    public bool MayChange(Run run) => MayChangeRunOf(run?.SubmittedById);

    /// <summary>Admins may change any run; others only their own (a run without an owner id is nobody's).</summary>
    public bool MayChangeRunOf(string? ownerId) => IsAdmin || (ownerId is { } owner && owner == UserId);
}

/// <summary>Cancel: a queued run ends Cancelled at once; a running one is signalled and stops at its next step.</summary>
public sealed class RunCommands(
    IDbContextFactory<LabDbContext> dbFactory, RunCancellation cancellation, RunEvents events, TimeProvider clock)
{
    public async Task<CancelOutcome> CancelAsync(long runId, RunActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var target = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, cancellationToken);
        if (target is null) return CancelOutcome.NotFound;
        if (!actor.MayChange(target)) return CancelOutcome.Forbidden;
        var flagged = await db.Runs.Where(r => r.Id == runId).RequestCancelAsync(cancellationToken);
        if (flagged == 0)
            return await db.Runs.AnyAsync(r => r.Id == runId, cancellationToken) ? CancelOutcome.AlreadyFinished : CancelOutcome.NotFound;

        // A run that leaves the queue drops its dispatch mark (in the transition), so queuing it again later starts clean.
        var cancelledWhileQueued = await db.Runs.Where(r => r.Id == runId && r.Status == RunStatus.Queued)
            .FinishAsync(RunEnd.Cancelled, clock.GetUtcNow(), cancellationToken);
        if (cancelledWhileQueued > 0)
        {
            var run = await db.Runs.AsNoTracking().FirstAsync(r => r.Id == runId, cancellationToken);
            await events.PublishRunUpdatedAsync(run.ToUpdateMessage());
            return CancelOutcome.Cancelled;
        }
        // Running here is signalled now; a worker elsewhere sees the flag at its next poll.
        cancellation.Cancel(runId);
        return CancelOutcome.Stopping;
    }
}
