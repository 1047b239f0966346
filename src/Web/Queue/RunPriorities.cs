using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Web.Live;
using LayerLab.Web.Runs;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Queue;

public enum PriorityOutcome { NotFound, Forbidden, NotQueued, OutOfRange, Changed }

/// <summary>Priority of a queued run: same rules as cancel (the owner or an admin). It orders one person's runs.</summary>
public sealed class RunPriorities(IDbContextFactory<LabDbContext> dbFactory, RunEvents events, DispatchSignal signal)
{
    public const int Min = -1000;
    public const int Max = 1000;

    public async Task<PriorityOutcome> SetAsync(long runId, int priority, RunActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (priority is < Min or > Max) return PriorityOutcome.OutOfRange;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var target = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, cancellationToken);
        if (target is null) return PriorityOutcome.NotFound;
        if (!actor.MayChange(target)) return PriorityOutcome.Forbidden;
        var changed = await db.Runs.Where(r => r.Id == runId && r.Status == RunStatus.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Priority, priority), cancellationToken);
        if (changed == 0) return PriorityOutcome.NotQueued;
        // Queue pages reload on run updates; the dispatcher re-reads the order on its next pass.
        await events.PublishRunUpdatedAsync(target.ToUpdateMessage());
        signal.Wake();
        return PriorityOutcome.Changed;
    }

    /// <summary>Up (+1) or down (−1) from the current priority, kept within range.</summary>
    public async Task<PriorityOutcome> ShiftAsync(long runId, int delta, RunActor actor, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var current = await db.Runs.AsNoTracking().Where(r => r.Id == runId).Select(r => (int?)r.Priority).FirstOrDefaultAsync(cancellationToken);
        if (current is null) return PriorityOutcome.NotFound;
        return await SetAsync(runId, Math.Clamp(current.Value + delta, Min, Max), actor, cancellationToken);
    }
}
