using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using LayerLab.Data;
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
                var keys = key is null ? MetricKeys(connection, runId) : [key];
                foreach (var k in keys) CompactOne(connection, runId, k);
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

    private static List<string> MetricKeys(SqliteConnection connection, long runId)
    {
        using var command = connection.CreateCommand();
        // From the points themselves (the truth), not LatestMetrics: an index scan of the run, in the background.
        command.CommandText = "SELECT DISTINCT Key FROM MetricPoints WHERE RunId = $run";
        command.Parameters.AddWithValue("$run", runId);
        using var reader = command.ExecuteReader();
        var keys = new List<string>();
        while (reader.Read()) keys.Add(reader.GetString(0));
        return keys;
    }

    /// <summary>The statuses <see cref="RunStatusExtensions.IsFinished"/> calls finished, as an SQL list (stored as names).</summary>
    private static readonly string FinishedStatuses =
        string.Join(", ", Enum.GetValues<RunStatus>().Where(s => s.IsFinished()).Select(s => $"'{s}'"));

    /// <summary>
    /// Compacts (run, key) if the run has finished, has points of that key and no blob yet. Returns whether it wrote
    /// one. Public for tests; the portal calls it through <see cref="Schedule"/>.
    /// </summary>
    public static bool CompactOne(SqliteConnection connection, long runId, string key)
    {
        ArgumentNullException.ThrowIfNull(connection);
        // The arrays are stored as they lie in memory, the byte order RunHistory.TryReadBlob expects.
        if (!BitConverter.IsLittleEndian) return false;
        using var begin = connection.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE"; // the write lock first: no point can arrive between the read and the write
        begin.ExecuteNonQuery();
        var committed = false;
        try
        {
            using (var check = connection.CreateCommand())
            {
                check.CommandText = $"""
                    SELECT EXISTS (SELECT 1 FROM Runs WHERE Id = $run AND Status IN ({FinishedStatuses}))
                       AND NOT EXISTS (SELECT 1 FROM MetricHistoryBlobs WHERE RunId = $run AND Key = $key)
                    """;
                check.Parameters.AddWithValue("$run", runId);
                check.Parameters.AddWithValue("$key", key);
                if (Convert.ToInt64(check.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0) return false;
            }
            using var history = RunHistory.ReadRows(connection, runId, null, key, withTimes: true);
            if (history.Count == 0) return false;
            using (var insert = connection.CreateCommand())
            {
                insert.CommandText = """
                    INSERT INTO MetricHistoryBlobs (RunId, Key, Count, StepData, ValueData, TimeData)
                    VALUES ($run, $key, $count, $steps, $values, $times)
                    """;
                insert.Parameters.AddWithValue("$run", runId);
                insert.Parameters.AddWithValue("$key", key);
                insert.Parameters.AddWithValue("$count", history.Count);
                insert.Parameters.AddWithValue("$steps", MemoryMarshal.AsBytes(history.Steps).ToArray());
                insert.Parameters.AddWithValue("$values", MemoryMarshal.AsBytes(history.Values).ToArray());
                insert.Parameters.AddWithValue("$times", MemoryMarshal.AsBytes(history.Times).ToArray());
                insert.ExecuteNonQuery();
            }
            using var commit = connection.CreateCommand();
            commit.CommandText = "COMMIT";
            commit.ExecuteNonQuery();
            committed = true;
            return true;
        }
        finally
        {
            if (!committed)
            {
                using var rollback = connection.CreateCommand();
                rollback.CommandText = "ROLLBACK";
                rollback.ExecuteNonQuery();
            }
        }
    }
}
