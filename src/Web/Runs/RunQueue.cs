using LayerLab.Data.Runs;

namespace LayerLab.Web.Runs;

/// <summary>
/// The way into the queue. A Queued run stays in SQLite (the source of truth) until the queue dispatcher
/// (Queue/QueueDispatcher, through Queue/HangfireHandOff) hands it to Hangfire in fair order, a few at a time.
/// Runs only wake it here, so Runs does not depend on Queue.
/// </summary>
public sealed class RunQueue(DispatchSignal signal)
{
    /// <summary>
    /// Makes a Queued run (already saved) eligible to train: wakes the dispatcher, which hands it to Hangfire when
    /// its turn comes and stores the Hangfire job id on the run then. Cheap: call it once per run, even for 1,000.
    /// </summary>
    public void Enqueue(Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        signal.Wake();
    }

    /// <summary>Makes many saved Queued runs (a sweep) eligible: one wake-up of the dispatcher covers them all.</summary>
    public void EnqueueMany(IReadOnlyCollection<Run> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count > 0) signal.Wake();
    }
}
