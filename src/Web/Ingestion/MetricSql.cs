using LayerLab.Training.Contracts;
using Microsoft.Data.Sqlite;

namespace LayerLab.Web.Ingestion;

/// <summary>The two prepared statements of the ingestion writer, reused for every row of a transaction.</summary>
internal static class MetricSql
{
    public static SqliteCommand InsertPoint(SqliteConnection connection, SqliteTransaction transaction) => Prepare(
        connection, transaction,
        "INSERT INTO MetricPoints (RunId, Key, Step, Value) VALUES ($run, $key, $step, $value) ON CONFLICT DO NOTHING");

    /// <summary>Keeps the newest step per (run, key); an older step arriving late never overwrites a newer one.</summary>
    public static SqliteCommand UpsertLatest(SqliteConnection connection, SqliteTransaction transaction) => Prepare(
        connection, transaction,
        """
        INSERT INTO LatestMetrics (RunId, Key, Step, Value) VALUES ($run, $key, $step, $value)
        ON CONFLICT (RunId, Key) DO UPDATE SET Step = excluded.Step, Value = excluded.Value
        WHERE excluded.Step >= LatestMetrics.Step
        """);

    /// <returns>True when a row was written (false: the point was already stored).</returns>
    public static async Task<bool> ExecuteAsync(SqliteCommand command, long runId, MetricSample sample, CancellationToken cancellationToken)
    {
        command.Parameters[0].Value = runId;
        command.Parameters[1].Value = sample.Key;
        command.Parameters[2].Value = sample.Step;
        // SQLite has no NaN (it would store NULL anyway); say so explicitly. ±Infinity is stored as is.
        command.Parameters[3].Value = double.IsNaN(sample.Value) ? DBNull.Value : sample.Value;
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, string sql)
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
        command.Prepare();
        return command;
    }
}
