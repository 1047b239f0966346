using LayerLab.Data.Runs;

namespace LayerLab.Web.Runs;

/// <summary>
/// Told when the <see cref="PortalRunLedger"/> has stored a run's end (succeeded, failed or cancelled), in the order
/// they were registered: reproduction judging (<see cref="RunReproduction"/>: a finished copy marks its original),
/// history compaction (Compare), the owner's bell (Notifications). They live in the folders that own them and
/// subscribe here, so the ledger does not depend on them. The run's end is already stored when they are told.
/// </summary>
public interface IRunFinishedSubscriber
{
    Task RunFinishedAsync(Run run, CancellationToken cancellationToken);
}
