using System.Runtime.InteropServices;
using LayerLab.Data.Runs;
using Microsoft.Data.Sqlite;

namespace LayerLab.Data.Metrics;

/// <summary>
/// Writes a finished run's compacted history (<see cref="MetricHistoryBlob"/>) from its rows. Raw SQL on one
/// connection because the read and the write must sit in one IMMEDIATE transaction (no point stored in between; the
/// triggers that drop a blob on a point's change fire only for later statements).
/// </summary>
public static class MetricHistoryCompaction
{
    /// <summary>The metric keys a run has points of.</summary>
    public static List<string> MetricKeys(SqliteConnection connection, long runId)
    {
        ArgumentNullException.ThrowIfNull(connection);
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
    /// one. The portal calls it in the background (src/Web/Compare/HistoryCompactor).
    /// </summary>
    public static bool CompactOne(SqliteConnection connection, long runId, string key)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(key);
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
