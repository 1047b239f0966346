using System.Threading.Channels;
using LayerLab.Data;
using LayerLab.Data.Metrics;
using LayerLab.Training.Contracts;
using LayerLab.Web.Live;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Ingestion;

/// <summary>
/// The one writer of metric points. Reporters enqueue; this service drains the queue in large batches, writes
/// each batch in one SQLite transaction (idempotent on (run, key, step)), keeps the latest-value table current,
/// then hands only the points that were new to the <see cref="LiveMetricBroadcaster"/> (which sends them without
/// holding up the next commit). One writer means SQLite never sees competing writers.
/// </summary>
public sealed partial class MetricIngestion(
    IDbContextFactory<LabDbContext> dbFactory, LiveMetricBroadcaster broadcaster, TimeProvider clock, ILogger<MetricIngestion> logger) : BackgroundService
{
    private const int MaxPointsPerTransaction = 20_000;

    /// <summary>
    /// Minimum time between two transactions. Why: each transaction has a fixed cost (context, connection, prepared
    /// statements, commit) of about a millisecond of CPU; with many small HTTP batches (20 runs × 50 Hz) one
    /// transaction per request doubled the CPU per request. Waiting this long lets the queue fill, so one commit
    /// serves many requests; a lone batch after a quiet period is written at once.
    /// </summary>
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(10);

    private abstract record Item;
    /// <param name="ArrivedAt">Unix ms when the batch reached the portal: the time of its points that carry none.</param>
    /// <param name="Times">Per-sample Unix ms sent by the client (null entries: use <paramref name="ArrivedAt"/>).</param>
    /// <param name="Stored">Completed once the batch is committed (or failed with the reason) when a caller waits for it.</param>
    private sealed record Batch(
        long RunId, IReadOnlyList<MetricSample> Samples, long ArrivedAt, IReadOnlyList<long?>? Times = null, TaskCompletionSource? Stored = null) : Item;
    private sealed record FlushMarker(TaskCompletionSource Done) : Item;

    // Bounded so a runaway reporter slows down instead of growing memory without limit.
    private readonly Channel<Item> _queue = Channel.CreateBounded<Item>(
        new BoundedChannelOptions(50_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>Queues points; each is stamped with the time it arrived here (the in-process reporter's "wall time").</summary>
    public ValueTask EnqueueAsync(long runId, IReadOnlyList<MetricSample> samples, CancellationToken cancellationToken) =>
        samples.Count == 0 ? ValueTask.CompletedTask : _queue.Writer.WriteAsync(new Batch(runId, samples, Now()), cancellationToken);

    private long Now() => clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Stores one batch and completes only when it is committed: an HTTP caller answering 200 must know its points
    /// are in SQLite. Throws when the write failed.
    /// </summary>
    /// <param name="times">Optional per-sample Unix ms times sent by the client, same length as <paramref name="samples"/>.</param>
    public async Task StoreAsync(
        long runId, IReadOnlyList<MetricSample> samples, CancellationToken cancellationToken, IReadOnlyList<long?>? times = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0) return;
        if (times is not null && times.Count != samples.Count) throw new ArgumentException("One time per sample.", nameof(times));
        var stored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _queue.Writer.WriteAsync(new Batch(runId, samples, Now(), times, stored), cancellationToken);
        await stored.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Completes when everything enqueued before the call is stored and broadcast.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _queue.Writer.WriteAsync(new FlushMarker(done), cancellationToken);
        await done.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batches = new List<Batch>();
        var flushes = new List<TaskCompletionSource>();
        try
        {
            var lastWrite = 0L;
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                var rest = Linger - TimeProvider.System.GetElapsedTime(lastWrite);
                if (lastWrite != 0 && rest > TimeSpan.Zero) await Task.Delay(rest, stoppingToken);
                lastWrite = TimeProvider.System.GetTimestamp();
                var points = 0;
                while (points < MaxPointsPerTransaction && _queue.Reader.TryRead(out var item))
                {
                    if (item is Batch batch) { batches.Add(batch); points += batch.Samples.Count; }
                    else if (item is FlushMarker flush) { flushes.Add(flush.Done); break; }
                }
                await WriteAndPublishAsync(batches, stoppingToken);
                // A flush promises "stored and broadcast": wait for the broadcaster only when someone asked.
                if (flushes.Count > 0) await broadcaster.FlushAsync(stoppingToken);
                foreach (var done in flushes) done.TrySetResult();
                batches.Clear();
                flushes.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; anything still queued belongs to runs that will be re-run.
        }
    }

    private async Task WriteAndPublishAsync(List<Batch> batches, CancellationToken cancellationToken)
    {
        if (batches.Count == 0) return;
        Dictionary<long, List<PointMessage>> fresh;
        try
        {
            fresh = await WriteAsync(batches, cancellationToken);
        }
        catch (Exception ex) when (ex is SqliteException or DbUpdateException or InvalidOperationException)
        {
            LogWriteFailed(ex, batches.Count);
            foreach (var batch in batches) batch.Stored?.TrySetException(ex);
            return;
        }
        foreach (var batch in batches) batch.Stored?.TrySetResult();
        foreach (var (runId, points) in fresh) broadcaster.Post(runId, points);
    }

    private async Task<Dictionary<long, List<PointMessage>>> WriteAsync(List<Batch> batches, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = MetricSql.InsertPoint(connection, transaction);
        await using var latest = MetricSql.UpsertLatest(connection, transaction);

        var fresh = new Dictionary<long, List<PointMessage>>();
        var extents = new Dictionary<(long RunId, string Key), MetricExtent>();
        foreach (var batch in batches)
        {
            if (!fresh.TryGetValue(batch.RunId, out var list)) fresh[batch.RunId] = list = [];
            for (var i = 0; i < batch.Samples.Count; i++)
            {
                var sample = batch.Samples[i];
                var at = batch.Times?[i] ?? batch.ArrivedAt;
                if (!await MetricSql.ExecuteAsync(insert, batch.RunId, sample.Key, sample.Step, sample.Value, at, cancellationToken)) continue;
                list.Add(PointMessage.Of(sample.Key, sample.Step, sample.Value));
                var key = (batch.RunId, sample.Key);
                extents[key] = extents.TryGetValue(key, out var seen) ? seen.With(sample.Step, sample.Value) : MetricExtent.Of(sample.Step, sample.Value);
            }
        }
        foreach (var ((runId, key), extent) in extents)
            await MetricSql.UpsertLatestAsync(latest, runId, key, extent, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return fresh;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing {BatchCount} metric batches failed; they are dropped")]
    private partial void LogWriteFailed(Exception ex, int batchCount);
}
