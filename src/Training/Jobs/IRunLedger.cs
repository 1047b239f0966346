using LayerLab.Training.Contracts;

namespace LayerLab.Training.Jobs;

/// <summary>What a worker must be able to tell the run's owner (the portal). The portal implements it over its
/// database; a remote worker would implement it over HTTP. Training never opens the database itself.</summary>
public interface IRunLedger
{
    /// <summary>Moves the run from Queued to Running for this worker. Returns null when another delivery already
    /// claimed it or it is finished or cancelled — the caller must then do nothing.</summary>
    Task<RunClaim?> TryClaimAsync(long runId, string worker, string device, CancellationToken cancellationToken);

    Task<bool> IsCancelRequestedAsync(long runId, CancellationToken cancellationToken);

    Task CompleteAsync(long runId, int attempt, RunResult result, CancellationToken cancellationToken);

    Task FailAsync(long runId, int attempt, string error, CancellationToken cancellationToken);

    Task MarkCancelledAsync(long runId, int attempt, CancellationToken cancellationToken);

    /// <summary>The worker is shutting down mid-run: put the run back to Queued so it starts again.</summary>
    Task ReleaseAsync(long runId, int attempt, CancellationToken cancellationToken);
}

public sealed record RunClaim(int Attempt);
