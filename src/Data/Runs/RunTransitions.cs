using Microsoft.EntityFrameworkCore;

namespace LayerLab.Data.Runs;

/// <summary>
/// Every change of a run's status, in one place. Each transition is one conditional UPDATE (a compare-and-set on the
/// row): it names the states it leaves from and writes the whole field list of the state it enters, so two writers
/// can never leave a run half in one state and half in another. Callers narrow the rows further (which run, which
/// attempt, whose lease); the returned count says whether the transition happened (0: another writer got there first).
/// <code>
///   Queued ──Claim──► Running ──Finish──► Succeeded | Failed | Cancelled ──Requeue──► Queued
///     │                  └──Release──► Queued (same attempt count; the next claim adds one)
///     └──Finish(Cancelled)
/// </code>
/// </summary>
public static class RunTransitions
{
    /// <summary>The run's running attempt; with an owner, only while that owner holds the attempt's lease.</summary>
    public static IQueryable<Run> RunningAttempt(this IQueryable<Run> runs, long runId, int attempt, string? owner = null)
    {
        var rows = runs.Where(r => r.Id == runId && r.Status == RunStatus.Running && r.Attempt == attempt);
        return owner is null ? rows : rows.Where(r => r.LeaseOwner == owner);
    }

    /// <summary>Queued → Running for one worker: one more attempt, a lease, the previous attempt's traces cleared.
    /// Only catalog runs (an external run is trained elsewhere and never a worker's), never one whose cancel is asked.</summary>
    public static Task<int> ClaimAsync(this IQueryable<Run> runs, long runId, RunLease lease, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return runs
            .Where(r => r.Id == runId && r.Status == RunStatus.Queued && r.Source == RunSource.Catalog && !r.CancelRequested)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, RunStatus.Running)
                .SetProperty(r => r.Attempt, r => r.Attempt + 1)
                .SetProperty(r => r.StartedAt, now)
                .SetProperty(r => r.FinishedAt, (DateTimeOffset?)null)
                .SetProperty(r => r.Worker, lease.Worker)
                .SetProperty(r => r.LeaseOwner, lease.Owner)
                .SetProperty(r => r.LeaseExpiresAt, now + lease.Duration)
                .SetProperty(r => r.Device, lease.Device)
                .SetProperty(r => r.DispatchedAt, (DateTimeOffset?)null) // no longer waiting in Hangfire
                .SetProperty(r => r.Progress, 0)
                .SetProperty(r => r.ResumedFromStep, (long?)null)
                .SetProperty(r => r.Error, (string?)null), cancellationToken);
    }

    /// <summary>Running: the lease holds until <paramref name="until"/> (heartbeat, or "now" for a worker known dead).</summary>
    public static Task<int> ExtendLeaseAsync(this IQueryable<Run> runs, DateTimeOffset until, CancellationToken cancellationToken) =>
        runs.Where(r => r.Status == RunStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.LeaseExpiresAt, until), cancellationToken);

    /// <summary>Running: this attempt resumed from a checkpoint at <paramref name="step"/> (a claim clears it).</summary>
    public static Task<int> RecordResumeAsync(this IQueryable<Run> runs, long step, CancellationToken cancellationToken) =>
        runs.Where(r => r.Status == RunStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.ResumedFromStep, step), cancellationToken);

    /// <summary>Running: the share of its work done, as last reported.</summary>
    public static Task<int> SetProgressAsync(this IQueryable<Run> runs, double fraction, CancellationToken cancellationToken) =>
        runs.Where(r => r.Status == RunStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Progress, fraction), cancellationToken);

    /// <summary>Queued or Running: ask it to stop (a queued run then ends at once, a running one at its next step).</summary>
    public static Task<int> RequestCancelAsync(this IQueryable<Run> runs, CancellationToken cancellationToken) =>
        runs.Where(r => r.Status == RunStatus.Queued || r.Status == RunStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.CancelRequested, true), cancellationToken);

    /// <summary>Queued or Running → Succeeded, Failed or Cancelled: its end, its results, no lease and no dispatch
    /// mark left (so queuing it again later starts clean). Succeeded also means all of its work is done.</summary>
    public static Task<int> FinishAsync(this IQueryable<Run> runs, RunEnd end, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(end);
        var succeeded = end.Status == RunStatus.Succeeded;
        return runs.Where(r => r.Status == RunStatus.Queued || r.Status == RunStatus.Running)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, end.Status)
                .SetProperty(r => r.FinishedAt, now)
                .SetProperty(r => r.Progress, r => succeeded ? 1 : r.Progress)
                .SetProperty(r => r.LeaseOwner, (string?)null)
                .SetProperty(r => r.LeaseExpiresAt, (DateTimeOffset?)null)
                .SetProperty(r => r.DispatchedAt, (DateTimeOffset?)null)
                .SetProperty(r => r.SummaryJson, end.SummaryJson)
                .SetProperty(r => r.ReferencesJson, end.ReferencesJson)
                .SetProperty(r => r.Verdict, end.Verdict)
                .SetProperty(r => r.Error, end.Error), cancellationToken);
    }

    /// <summary>Running → Queued because its attempt lost its worker (shutdown, expired lease, portal restart): it keeps
    /// its attempt count, progress and metrics; the dispatcher hands it out again and the next claim adds an attempt.</summary>
    public static Task<int> ReleaseAsync(this IQueryable<Run> runs, CancellationToken cancellationToken) =>
        runs.Where(r => r.Status == RunStatus.Running)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, RunStatus.Queued)
                .SetProperty(r => r.Worker, (string?)null)
                .SetProperty(r => r.LeaseOwner, (string?)null)
                .SetProperty(r => r.LeaseExpiresAt, (DateTimeOffset?)null)
                .SetProperty(r => r.DispatchedAt, (DateTimeOffset?)null), cancellationToken);

    /// <summary>Failed or Cancelled → Queued, as if just submitted (same id, parameters and seed): its results, error
    /// and cancel request are dropped. Its metric points are the caller's to delete, in the same transaction.</summary>
    public static Task<int> RequeueAsync(this IQueryable<Run> runs, DateTimeOffset now, CancellationToken cancellationToken) =>
        runs.Where(r => r.Status == RunStatus.Failed || r.Status == RunStatus.Cancelled)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, RunStatus.Queued)
                .SetProperty(r => r.QueuedAt, now)
                .SetProperty(r => r.Progress, 0)
                .SetProperty(r => r.StartedAt, (DateTimeOffset?)null)
                .SetProperty(r => r.FinishedAt, (DateTimeOffset?)null)
                .SetProperty(r => r.Error, (string?)null)
                .SetProperty(r => r.SummaryJson, (string?)null)
                .SetProperty(r => r.ReferencesJson, (string?)null)
                .SetProperty(r => r.Verdict, (string?)null)
                .SetProperty(r => r.CancelRequested, false)
                .SetProperty(r => r.DispatchedAt, (DateTimeOffset?)null)
                .SetProperty(r => r.LeaseOwner, (string?)null)
                .SetProperty(r => r.LeaseExpiresAt, (DateTimeOffset?)null), cancellationToken);
}

/// <summary>Who claims a run: <paramref name="Worker"/> is shown on the run, <paramref name="Owner"/> is the key every
/// later write of the attempt must present (a remote worker's is bound to its token), for <paramref name="Duration"/>.</summary>
public sealed record RunLease(string Worker, string Owner, string Device, TimeSpan Duration);

/// <summary>How a run ended, with what it leaves behind (JSON columns as stored).</summary>
public sealed record RunEnd(RunStatus Status, string? SummaryJson = null, string? ReferencesJson = null, string? Verdict = null, string? Error = null)
{
    public static RunEnd Succeeded(string? summaryJson, string? referencesJson, string? verdict) =>
        new(RunStatus.Succeeded, summaryJson, referencesJson, verdict);

    public static RunEnd Failed(string error) => new(RunStatus.Failed, Error: error);

    public static RunEnd Cancelled { get; } = new(RunStatus.Cancelled);
}
