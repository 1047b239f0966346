using LayerLab.Training.Contracts;

namespace LayerLab.Training.Jobs;

/// <summary>What a worker must be able to tell the run's owner (the portal). The portal implements it over its
/// database; a remote worker would implement it over HTTP. Training never opens the database itself.</summary>
public interface IRunLedger
{
    /// <summary>Moves the run from Queued to Running for this worker, as a compare-and-set on its row that also adds
    /// one to the attempt and gives the worker a lease (owner, expiry). Returns null when another delivery already
    /// claimed it or it is finished or cancelled — the caller must then do nothing.</summary>
    Task<RunClaim?> TryClaimAsync(long runId, string worker, string device, CancellationToken cancellationToken);

    /// <summary>Heartbeat: extends the lease of this attempt. False when the lease was lost (it expired and the run
    /// was queued again, a newer attempt exists, or the run ended): training must stop and write nothing more.</summary>
    Task<bool> RenewLeaseAsync(long runId, int attempt, CancellationToken cancellationToken);

    Task<bool> IsCancelRequestedAsync(long runId, CancellationToken cancellationToken);

    // Every write below is conditional on the attempt still being the run's running attempt: a stale one writes nothing.

    Task CompleteAsync(long runId, int attempt, RunResult result, CancellationToken cancellationToken);

    Task FailAsync(long runId, int attempt, string error, CancellationToken cancellationToken);

    Task MarkCancelledAsync(long runId, int attempt, CancellationToken cancellationToken);

    /// <summary>This attempt resumed from a checkpoint at <paramref name="step"/> (shown on the run); a claim clears it.</summary>
    Task RecordResumeAsync(long runId, int attempt, long step, CancellationToken cancellationToken);

    /// <summary>The worker is shutting down mid-run: put the run back to Queued so it starts again.</summary>
    Task ReleaseAsync(long runId, int attempt, CancellationToken cancellationToken);
}

/// <param name="SystemClockStart">The step this attempt's first <c>system/</c> sample counts from: one past the run's
/// last recorded system sample, so a resumed run's samples continue its timeline instead of colliding with (and being
/// dropped as repeats of) the earlier attempt's steps. 0 for a first attempt.</param>
public sealed record RunClaim(int Attempt, long SystemClockStart = 0);
