using LayerLab.Data.Runs;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Runs;

/// <summary>
/// Tells every <see cref="IRunFinishedSubscriber"/>, in registration order, that a run's end is stored. The one way a
/// run's end reaches them, whichever door ended it: the ledger (catalog runs), the external-run API and MLflow's
/// runs/update, so an external run is judged, compacted and rung on the bell exactly as a catalog run is.
/// </summary>
public sealed partial class RunFinishedSubscribers(IEnumerable<IRunFinishedSubscriber> subscribers, ILogger<RunFinishedSubscribers> logger)
{
    private readonly IRunFinishedSubscriber[] _subscribers = subscribers.ToArray();

    /// <summary>Best effort: the run's end is already stored; a bell that could not ring (or a badge that could not be
    /// written) must not fail the call that ended the run.</summary>
    public async Task TellAsync(Run run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (!run.Status.IsFinished()) return;
        foreach (var subscriber in _subscribers)
        {
            try
            {
                await subscriber.RunFinishedAsync(run, cancellationToken);
            }
            catch (DbUpdateException ex)
            {
                LogSubscriberFailed(ex, run.Id, subscriber.GetType().Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} ended but {Subscriber} could not store its part")]
    private partial void LogSubscriberFailed(Exception ex, long runId, string subscriber);
}
