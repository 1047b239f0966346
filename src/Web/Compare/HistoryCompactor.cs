using System.Collections.Concurrent;
using System.Threading.Channels;
using LayerLab.Data;
using LayerLab.Data.Metrics;
using LayerLab.Data.Runs;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Compare;

/// <summary>
/// Writes compacted histories (<see cref="Data.Metrics.MetricHistoryBlob"/>) of finished runs, one at a time in the
/// background: when a run ends (the run ledger, the external status API) for all its metrics, and when a compare read
/// finds a finished run without one (lazily, for runs that ended before this existed or whose blob a late point
/// dropped). Off the request path: compacting 100k points reads them all once (tens of ms per metric).
/// </summary>
/// <remarks>
/// Each blob is read from the rows and written inside one IMMEDIATE transaction, so no point can be stored between
/// the read and the write (the triggers that drop a blob on a point's change fire only for later statements): a blob
/// is equal to its rows when written and deleted as soon as they change. Failures are logged and skipped: the
/// compare read falls back to the rows.
/// </remarks>
public sealed class HistoryCompactor(IDbContextFactory<LabDbContext> dbFactory, ILogger<HistoryCompactor> logger)
    : BackgroundService, Runs.IRunFinishedSubscriber
{
    /// <summary>A run the ledger finished: its histories packed for compare reads, in the background.</summary>
    Task Runs.IRunFinishedSubscriber.RunFinishedAsync(Data.Runs.Run run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        Schedule(run.Id);
        return Task.CompletedTask;
    }

    private readonly Channel<(long RunId, string? Key)> _queue = Channel.CreateUnbounded<(long, string?)>(new() { SingleReader = true });
    private readonly ConcurrentDictionary<(long RunId, string? Key), bool> _pending = new();
    private string? _connectionString;

    /// <summary>Queues the compaction of one metric of a run, or of all its metrics (<paramref name="key"/> null). Repeats are dropped.</summary>
    public void Schedule(long runId, string? key = null)
    {
        if (_pending.TryAdd((runId, key), true)) _queue.Writer.TryWrite((runId, key));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var (runId, key) in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            _pending.TryRemove((runId, key), out _);
            try
            {
                _connectionString ??= await ConnectionStringAsync(stoppingToken);
                await using var connection = new SqliteConnection(_connectionString);
                await connection.OpenAsync(stoppingToken);
                var keys = key is null ? MetricHistoryCompaction.MetricKeys(connection, runId) : [key];
                foreach (var k in keys) MetricHistoryCompaction.CompactOne(connection, runId, k);
            }
            catch (Exception ex) when (ex is not OperationCanceledException) // best effort: never take the host down
            {
                logger.LogWarning(ex, "Could not compact the history of run {RunId}", runId);
            }
        }
    }

    private async Task<string> ConnectionStringAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return db.Database.GetConnectionString()!;
    }
}
