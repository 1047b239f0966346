using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Threading.Channels;
using LayerLab.Training.Contracts;
using Microsoft.Extensions.Logging;
using LayerLab.Training.Worker;

namespace LayerLab.Worker.Portal;

/// <summary>
/// <see cref="IRunReporter"/> over HTTP with batching: training enqueues and goes on; one sender drains the queue
/// and posts each run's points in batches (one request per run per <see cref="SendInterval"/> at most, instead of one
/// per step). The portal stores points idempotently by (run, metric, step), so a batch re-sent after a lost answer,
/// or a run trained again after its worker died, stores each point once.
/// </summary>
public sealed partial class HttpRunReporter : IRunReporter, IAsyncDisposable
{
    public const int MaxPointsPerPost = WorkerApi.MaxPointsPerPost;
    public static TimeSpan SendInterval { get; set; } = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(500);

    private abstract record Item;
    private sealed record Batch(RunAttempt Run, IReadOnlyList<MetricSample> Samples) : Item;
    private readonly record struct RunAttempt(long RunId, int Attempt);
    private sealed record FlushMarker(TaskCompletionSource Done) : Item;

    private readonly HttpClient _portal;
    private readonly ILogger<HttpRunReporter> _logger;
    // Bounded: a portal that cannot keep up slows training down instead of growing the worker's memory.
    private readonly Channel<Item> _queue = Channel.CreateBounded<Item>(
        new BoundedChannelOptions(10_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly ConcurrentDictionary<long, DateTimeOffset> _lastProgress = new();
    // The attempt this worker claimed per run: every point and progress carries it, and the portal refuses any other.
    private readonly ConcurrentDictionary<long, int> _attempts = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _sender;

    public HttpRunReporter(HttpClient portal, ILogger<HttpRunReporter> logger)
    {
        _portal = portal;
        _logger = logger;
        _sender = Task.Run(SendLoopAsync);
    }

    /// <summary>The ledger's claim gave this worker <paramref name="attempt"/> of the run: later reports carry it.</summary>
    public void Attach(long runId, int attempt) => _attempts[runId] = attempt;

    private int AttemptOf(long runId) => _attempts.TryGetValue(runId, out var attempt) ? attempt : 0;

    public ValueTask ReportMetricsAsync(long runId, IReadOnlyList<MetricSample> samples, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(samples);
        // Copied: callers may reuse their list after the call returns. The attempt is taken now, not when sent.
        return samples.Count == 0 ? ValueTask.CompletedTask
            : _queue.Writer.WriteAsync(new Batch(new RunAttempt(runId, AttemptOf(runId)), [.. samples]), cancellationToken);
    }

    /// <summary>Progress is a gauge: only the latest matters, so it is sent at most twice a second per run (and always at 1).</summary>
    public async ValueTask ReportProgressAsync(long runId, double fraction, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        if (fraction < 1 && _lastProgress.TryGetValue(runId, out var last) && now - last < ProgressInterval) return;
        _lastProgress[runId] = now;
        try
        {
            using var response = await _portal.PostAsJsonAsync(
                new Uri(WorkerApi.Progress(runId), UriKind.Relative), new ProgressRequest(AttemptOf(runId), fraction), WorkerApi.Json, cancellationToken);
            if (!response.IsSuccessStatusCode) LogProgressRejected(runId, (int)response.StatusCode);
        }
        catch (HttpRequestException ex)
        {
            LogProgressFailed(ex, runId); // a lost progress update is harmless; the next one replaces it
        }
    }

    /// <summary>Tensors are rare (a few per reported step) and idempotent by (run, key, step): sent at once, one post
    /// each, retried a few times; a refused or lost tensor is logged and dropped, never failing the run.</summary>
    public async ValueTask ReportTensorAsync(long runId, TensorSample tensor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var body = new TensorRequest(AttemptOf(runId), tensor.Key, tensor.Step, tensor.Shape, tensor.Data);
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            try
            {
                using var response = await _portal.PostAsJsonAsync(
                    new Uri(WorkerApi.Tensors(runId), UriKind.Relative), body, WorkerApi.Json, cancellationToken);
                if (!response.IsSuccessStatusCode) LogTensorRejected(runId, tensor.Key, (int)response.StatusCode);
                return;
            }
            catch (HttpRequestException ex)
            {
                LogTensorFailed(ex, runId, tensor.Key, attempt);
                await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken);
            }
        }
    }

    /// <summary>Completes when every point reported before the call has been stored by the portal.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _queue.Writer.WriteAsync(new FlushMarker(done), cancellationToken);
        await done.Task.WaitAsync(cancellationToken);
    }

    private async Task SendLoopAsync()
    {
        var pending = new Dictionary<RunAttempt, List<MetricSample>>();
        var flushes = new List<TaskCompletionSource>();
        try
        {
            while (await _queue.Reader.WaitToReadAsync(_stopping.Token))
            {
                while (_queue.Reader.TryRead(out var item))
                {
                    if (item is Batch batch)
                    {
                        if (!pending.TryGetValue(batch.Run, out var list)) pending[batch.Run] = list = [];
                        list.AddRange(batch.Samples);
                    }
                    else if (item is FlushMarker flush) { flushes.Add(flush.Done); break; }
                }
                foreach (var (run, points) in pending) await SendAsync(run, points);
                pending.Clear();
                foreach (var done in flushes) done.TrySetResult();
                // Without a flush waiting, wait a little so the next post carries many steps.
                if (flushes.Count == 0) await Task.Delay(SendInterval, _stopping.Token);
                flushes.Clear();
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Worker stopping: runs still training are released and trained again, and their points re-sent.
        }
    }

    /// <summary>Posts one run's points in chunks, retrying while the portal is unreachable (a restart) for up to a minute.</summary>
    private async Task SendAsync(RunAttempt run, List<MetricSample> points)
    {
        var runId = run.RunId;
        for (var start = 0; start < points.Count; start += MaxPointsPerPost)
        {
            var chunk = points.GetRange(start, Math.Min(MaxPointsPerPost, points.Count - start));
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    using var response = await _portal.PostAsJsonAsync(
                        new Uri(WorkerApi.Metrics(runId), UriKind.Relative), new MetricsRequest(run.Attempt, chunk), WorkerApi.Json, _stopping.Token);
                    if (response.IsSuccessStatusCode) break;
                    if ((int)response.StatusCode < 500) { LogMetricsRejected(runId, (int)response.StatusCode, chunk.Count); break; }
                    throw new HttpRequestException($"portal answered {(int)response.StatusCode}");
                }
                catch (HttpRequestException ex) when (attempt < 60)
                {
                    LogMetricsRetry(ex, runId, attempt);
                    await Task.Delay(TimeSpan.FromSeconds(1), _stopping.Token);
                }
                catch (HttpRequestException ex)
                {
                    LogMetricsDropped(ex, runId, chunk.Count);
                    break;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try { await _sender; }
        catch (OperationCanceledException) { /* stopped */ }
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Posting metrics of run {RunId} failed (try {Attempt}); retrying")]
    private partial void LogMetricsRetry(Exception ex, long runId, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "The portal stayed unreachable: {Count} metric points of run {RunId} dropped")]
    private partial void LogMetricsDropped(Exception ex, long runId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The portal refused {Count} metric points of run {RunId} ({Status})")]
    private partial void LogMetricsRejected(long runId, int status, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The portal refused tensor {Key} of run {RunId} ({Status})")]
    private partial void LogTensorRejected(long runId, string key, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Posting tensor {Key} of run {RunId} failed (try {Attempt})")]
    private partial void LogTensorFailed(Exception ex, long runId, string key, int attempt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Progress of run {RunId} refused ({Status})")]
    private partial void LogProgressRejected(long runId, int status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Progress of run {RunId} not sent")]
    private partial void LogProgressFailed(Exception ex, long runId);
}
