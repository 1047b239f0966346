using System.Threading.Channels;

namespace LayerLab.Web.Live;

/// <summary>
/// Sends freshly stored metric points to subscribers, coalesced per run: points that arrive while a broadcast round is
/// going out, or within <see cref="Tick"/> of the previous round, leave together as one message per run.
/// Why: the metric writer used to await every SignalR group send itself, so one slow subscriber (or 50 viewers of 20
/// runs reporting at 50 Hz: 50,000 messages/s) held up the next SQLite commit and with it every logging HTTP request.
/// Now the writer only hands points over (<see cref="Post"/>); the sends happen here, at most one message per run per
/// tick, so a burst costs one message per viewer instead of one per report.
/// </summary>
public sealed partial class LiveMetricBroadcaster(RunEvents events, ILogger<LiveMetricBroadcaster> logger) : BackgroundService
{
    /// <summary>Minimum time between two rounds. The first points after a quiet period go out at once.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(50);

    private readonly Lock _gate = new();
    private Dictionary<long, List<PointMessage>> _pending = [];
    private List<TaskCompletionSource> _flushes = [];
    // Capacity 1, extra writes dropped: a pending wake-up already covers everything posted since.
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    /// <summary>Queues points of one run (in step order as stored) for the next round; never blocks.</summary>
    public void Post(long runId, List<PointMessage> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0) return;
        lock (_gate)
        {
            if (_pending.TryGetValue(runId, out var list)) list.AddRange(points);
            else _pending[runId] = points;
        }
        _wake.Writer.TryWrite(true);
    }

    /// <summary>Completes when every point posted before the call has been sent.</summary>
    public Task FlushAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate) _flushes.Add(done);
        _wake.Writer.TryWrite(true);
        return done.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _wake.Reader.WaitToReadAsync(stoppingToken))
            {
                _wake.Reader.TryRead(out _);
                var started = TimeProvider.System.GetTimestamp();
                Dictionary<long, List<PointMessage>> round;
                List<TaskCompletionSource> flushes;
                lock (_gate)
                {
                    (round, _pending) = (_pending, []);
                    (flushes, _flushes) = (_flushes, []);
                }
                foreach (var (runId, points) in round)
                {
                    try { await events.PublishMetricsAsync(new MetricsAppendedMessage(runId, points)); }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // A broken connection must not stop live updates for everyone else; the points are stored.
                        LogSendFailed(ex, runId);
                    }
                }
                foreach (var done in flushes) done.TrySetResult();
                var rest = Tick - TimeProvider.System.GetElapsedTime(started);
                if (rest > TimeSpan.Zero) await Task.Delay(rest, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: subscribers reload history when they reconnect.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending live points of run {RunId} failed")]
    private partial void LogSendFailed(Exception ex, long runId);
}
