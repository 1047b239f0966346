using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Data.Leaderboard;

/// <summary>
/// Ranks an experiment's configurations by the best value of a metric over each run (min or max over its history,
/// kept in LatestMetrics; a summary-only metric uses its summary value), averaged over seeds. One SQL statement,
/// grouped in SQLite, so a page costs the same with 100 runs or 100,000.
/// </summary>
public static class LeaderboardQueries
{
    public static Task<List<LeaderboardRow>> LeaderboardAsync(
        this LabDbContext db, string experiment, string metric, bool maximize, int skip, int take, CancellationToken cancellationToken) =>
        db.LeaderboardAsync(experiment, metric, maximize, LeaderboardFilter.None, skip, take, cancellationToken);

    public static async Task<List<LeaderboardRow>> LeaderboardAsync(
        this LabDbContext db, string experiment, string metric, bool maximize, LeaderboardFilter filter,
        int skip, int take, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(filter);
        var order = maximize ? "DESC" : "ASC";
        var extreme = maximize ? "lm.Max" : "lm.Min";
        // Only the ORDER BY direction and the column name vary, chosen from two constants; values are parameters.
        var sql = $"""
            WITH vals AS (
                SELECT r.Id, r.ParametersJson, r.StartedAt, r.FinishedAt, r.Device, r.SubmittedBy, r.SummaryJson, r.Reproduction,
                       COALESCE({extreme}, json_extract(r.SummaryJson, $path)) AS Value
                FROM Runs r LEFT JOIN LatestMetrics lm ON lm.RunId = r.Id AND lm.Key = $metric
                WHERE r.ExperimentKey = $experiment AND r.Status = 'Succeeded'
                  AND r.ReproducesRunId IS NULL -- a reproduction repeats a seed: it marks its original, it is not a new seed
                  AND ($layers IS NULL OR json_extract(r.ParametersJson, '$.layers') = $layers)
                  AND ($since IS NULL OR r.FinishedAt >= $since)
                  AND ($approved = 0 OR r.ReviewState = 'Approved'))
            SELECT ParametersJson, COUNT(*) AS N, AVG(Value) AS Mean,
                   CASE WHEN COUNT(*) > 1 THEN (SUM(Value * Value) - COUNT(*) * AVG(Value) * AVG(Value)) / (COUNT(*) - 1) ELSE 0 END AS Variance,
                   {(maximize ? "MAX" : "MIN")}(Value) AS Best, {(maximize ? "MIN" : "MAX")}(Value) AS Worst,
                   AVG((FinishedAt - StartedAt) / 10000000.0) AS MeanSeconds,
                   COALESCE(group_concat(DISTINCT Device), '') AS Devices,
                   COALESCE(group_concat(DISTINCT SubmittedBy), '') AS Submitters, MAX(Id) AS LatestRunId,
                   -- The parameter count is a property of the configuration: read it from one summary per group,
                   -- not from every run's (parsing 100k summaries was most of the query's time).
                   json_extract(MAX(SummaryJson), '$.{RunResultKeys.ParameterCount}') AS ParamCount,
                   SUM(Reproduction = 'Reproduced') AS Reproduced, SUM(Reproduction = 'NotReproduced') AS NotReproduced
            FROM vals WHERE Value IS NOT NULL
            GROUP BY ParametersJson
            HAVING $budget IS NULL OR ParamCount <= $budget
            ORDER BY Mean {order}, N DESC
            LIMIT $take OFFSET $skip
            """;
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = connection.CreateCommand();
#pragma warning disable CA2100 // see above
            command.CommandText = sql;
#pragma warning restore CA2100
            command.Parameters.AddWithValue("$experiment", experiment);
            command.Parameters.AddWithValue("$metric", metric);
            command.Parameters.AddWithValue("$path", JsonPath(metric));
            command.Parameters.AddWithValue("$take", Math.Clamp(take, 1, 500));
            command.Parameters.AddWithValue("$skip", Math.Max(0, skip));
            command.Parameters.AddWithValue("$layers", (object?)filter.Layers ?? DBNull.Value);
            command.Parameters.AddWithValue("$since", filter.FinishedSince is { } since ? since.UtcTicks : DBNull.Value);
            command.Parameters.AddWithValue("$budget", (object?)filter.MaxParameters ?? DBNull.Value);
            command.Parameters.AddWithValue("$approved", filter.ApprovedOnly ? 1 : 0);
            var rows = new List<LeaderboardRow>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new LeaderboardRow(
                    reader.GetString(0), reader.GetInt32(1), reader.GetDouble(2), Math.Sqrt(Math.Max(0, reader.GetDouble(3))),
                    reader.GetDouble(4), reader.GetDouble(5), reader.IsDBNull(6) ? 0 : reader.GetDouble(6),
                    reader.GetString(7), reader.GetString(8), reader.GetInt64(9), reader.IsDBNull(10) ? null : reader.GetDouble(10))
                {
                    Reproduced = reader.IsDBNull(11) ? 0 : reader.GetInt32(11),
                    NotReproduced = reader.IsDBNull(12) ? 0 : reader.GetInt32(12),
                });
            }
            return rows;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The experiment's exact references for the metric, averaged over its finished runs.</summary>
    public static async Task<List<LeaderboardReference>> LeaderboardReferencesAsync(
        this LabDbContext db, string experiment, string metric, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await db.Database.SqlQuery<LeaderboardReference>($"""
            SELECT json_extract(j.value, '$.Label') AS Label, AVG(json_extract(j.value, '$.Value')) AS Value, COUNT(*) AS Runs
            FROM Runs r, json_each(r.ReferencesJson) j
            WHERE r.ExperimentKey = {experiment} AND r.Status = 'Succeeded' AND r.ReferencesJson IS NOT NULL
              AND json_extract(j.value, '$.MetricKey') = {metric}
            GROUP BY Label ORDER BY Label
            """).ToListAsync(cancellationToken);
    }

    /// <summary>JSON path of a summary key; keys hold '/', '@' and '=', so the member is quoted.</summary>
    public static string JsonPath(string metric) =>
        "$.\"" + (metric ?? "").Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}

/// <summary>Leaderboard filters; null means "any".</summary>
public sealed record LeaderboardFilter(
    long? Layers = null, double? MaxParameters = null, DateTimeOffset? FinishedSince = null, bool ApprovedOnly = false)
{
    public static LeaderboardFilter None { get; } = new();
}

/// <summary>Summary keys the leaderboard reads (the Training contract names them; Data does not reference Training).</summary>
public static class RunResultKeys
{
    public const string ParameterCount = "param_count";
}
