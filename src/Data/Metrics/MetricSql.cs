using Microsoft.Data.Sqlite;

namespace LayerLab.Data.Metrics;

/// <summary>
/// The two prepared statements of the ingestion writer (src/Web/Ingestion/MetricIngestion), reused for every row of a
/// transaction. Raw SQL rather than EF for speed (the ingestion target is 100k points/s); here, next to the entities
/// and triggers of the tables it writes.
/// </summary>
public static class MetricSql
{
    public static SqliteCommand InsertPoint(SqliteConnection connection, SqliteTransaction transaction) => Prepare(
        connection, transaction,
        "INSERT INTO MetricPoints (RunId, Key, Step, Value, At) VALUES ($run, $key, $step, $value, $at) ON CONFLICT DO NOTHING",
        withTime: true);

    /// <summary>
    /// Keeps the newest step per (run, key) — an older step arriving late never overwrites a newer one — and widens
    /// the run's extremes with the batch's. NULL (NaN) never becomes an extreme.
    /// </summary>
    public static SqliteCommand UpsertLatest(SqliteConnection connection, SqliteTransaction transaction)
    {
        var command = Prepare(connection, transaction, """
            INSERT INTO LatestMetrics (RunId, Key, Step, Value, Min, Max) VALUES ($run, $key, $step, $value, $min, $max)
            ON CONFLICT (RunId, Key) DO UPDATE SET
                Value = CASE WHEN excluded.Step >= LatestMetrics.Step THEN excluded.Value ELSE LatestMetrics.Value END,
                Step = max(excluded.Step, LatestMetrics.Step),
                Min = CASE WHEN LatestMetrics.Min IS NULL THEN excluded.Min WHEN excluded.Min IS NULL THEN LatestMetrics.Min
                           ELSE min(LatestMetrics.Min, excluded.Min) END,
                Max = CASE WHEN LatestMetrics.Max IS NULL THEN excluded.Max WHEN excluded.Max IS NULL THEN LatestMetrics.Max
                           ELSE max(LatestMetrics.Max, excluded.Max) END
            """, extraParameters: true);
        return command;
    }

    public static async Task UpsertLatestAsync(SqliteCommand command, long runId, string key, MetricExtent extent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Parameters[0].Value = runId;
        command.Parameters[1].Value = key;
        command.Parameters[2].Value = extent.Step;
        command.Parameters[3].Value = DbValue(extent.Value);
        command.Parameters[4].Value = extent.Min is { } min ? min : DBNull.Value;
        command.Parameters[5].Value = extent.Max is { } max ? max : DBNull.Value;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static object DbValue(double value) => double.IsNaN(value) ? DBNull.Value : value;

    /// <returns>True when a row was written (false: the point was already stored).</returns>
    public static async Task<bool> ExecuteAsync(
        SqliteCommand command, long runId, string key, long step, double value, long at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Parameters[4].Value = at;
        command.Parameters[0].Value = runId;
        command.Parameters[1].Value = key;
        command.Parameters[2].Value = step;
        // SQLite has no NaN (it would store NULL anyway); say so explicitly. ±Infinity is stored as is.
        command.Parameters[3].Value = DbValue(value);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private static SqliteCommand Prepare(
        SqliteConnection connection, SqliteTransaction transaction, string sql, bool extraParameters = false, bool withTime = false)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
#pragma warning disable CA2100 // Constant SQL; values are bound as parameters.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.Parameters.Add("$run", SqliteType.Integer);
        command.Parameters.Add("$key", SqliteType.Text);
        command.Parameters.Add("$step", SqliteType.Integer);
        command.Parameters.Add("$value", SqliteType.Real);
        if (extraParameters)
        {
            command.Parameters.Add("$min", SqliteType.Real);
            command.Parameters.Add("$max", SqliteType.Real);
        }
        if (withTime) command.Parameters.Add("$at", SqliteType.Integer);
        command.Prepare();
        return command;
    }
}

/// <summary>What one batch adds to a metric's latest-value row: its newest point and its extremes (NaN skipped).</summary>
public readonly record struct MetricExtent(long Step, double Value, double? Min, double? Max)
{
    public MetricExtent With(long step, double value)
    {
        var (newStep, newValue) = step >= Step ? (step, value) : (Step, Value);
        if (double.IsNaN(value)) return this with { Step = newStep, Value = newValue };
        return new MetricExtent(newStep, newValue, Min is { } min ? Math.Min(min, value) : value, Max is { } max ? Math.Max(max, value) : value);
    }

    public static MetricExtent Of(long step, double value) =>
        double.IsNaN(value) ? new(step, value, null, null) : new(step, value, value, value);
}
