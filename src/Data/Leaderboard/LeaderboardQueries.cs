using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Data.Leaderboard;

/// <summary>
/// Ranks an experiment's configurations by the best value of a metric over each run (min or max over its history,
/// kept in LatestMetrics; a summary-only metric uses its summary value), averaged over seeds. Configuration-level
/// filters (layers, budget) and review states read the pre-aggregated sums, so a page costs the same with 100 runs
/// or 100,000; date and tag filters read the sums bucketed by finish day and tag, plus the runs of a range's partial
/// edge days (LeaderboardQueries.Buckets.cs).
/// </summary>
public static partial class LeaderboardQueries
{
    public static Task<List<LeaderboardRow>> LeaderboardAsync(
        this LabDbContext db, string experiment, string metric, bool maximize, int skip, int take, CancellationToken cancellationToken) =>
        db.LeaderboardAsync(experiment, metric, maximize, LeaderboardFilter.None, skip, take, cancellationToken);

    public static async Task<List<LeaderboardRow>> LeaderboardAsync(
        this LabDbContext db, string experiment, string metric, bool maximize, LeaderboardFilter filter,
        int skip, int take, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        // Date and tag filters select runs, not configurations: they read the day- and tag-bucketed sums.
        return filter.FinishedSince is null && filter.FinishedBefore is null && filter.Tag is null
            ? await db.LeaderboardFromAggregatesAsync(experiment, metric, maximize, filter, skip, take, cancellationToken)
            : await db.LeaderboardFromBucketsAsync(experiment, metric, maximize, filter, skip, take, cancellationToken);
    }

    /// <summary>
    /// The leaderboard from the pre-aggregated sums (<see cref="LeaderboardAggregate"/>): reads at most one row per
    /// (configuration, review state), whatever the number of seeds. Same figures as <see cref="LeaderboardFromRunsAsync"/>.
    /// </summary>
    public static async Task<List<LeaderboardRow>> LeaderboardFromAggregatesAsync(
        this LabDbContext db, string experiment, string metric, bool maximize, LeaderboardFilter filter,
        int skip, int take, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(filter);
        var sql = RankSumsSql($"""
            SELECT {SumsColumnsSql(maximize)}
            FROM LeaderboardAggregates
            WHERE ExperimentKey = $experiment AND MetricKey = $metric
              AND ($states IS NULL OR ReviewState IN (SELECT value FROM json_each($states)))
              AND ($layers IS NULL OR json_extract(ParametersJson, '$.' || $layersKnob) = $layers)
              {DatasetOfSumsSql}
            """, maximize);
        return await ReadRowsAsync(db, sql, experiment, metric, filter, skip, take, cancellationToken);
    }

    /// <summary>
    /// Sums rows of configurations trained on the filter's dataset hash. The sums are kept per configuration, whose
    /// parameters name the dataset version by id (a run on the default stores the concrete id), so the hash is matched
    /// through the runs that recorded it: a deleted version's runs still count under their hash.
    /// </summary>
    private const string DatasetOfSumsSql = """
        AND ($dataset IS NULL OR json_extract(ParametersJson, '$.dataset') IN (
            SELECT DatasetId FROM Runs WHERE ExperimentKey = $experiment AND DatasetSha256 = $dataset))
        """;

    /// <summary>
    /// A <see cref="LeaderboardSums"/> table's columns in the viewer's direction, as the rows <see cref="RankSumsSql"/>
    /// ranks: ParametersJson, ReviewState, N, SumX, SumSq, Best, Worst, TimedN, SumSeconds, Devices, Submitters,
    /// LatestRunId, ParameterCount, Reproduced, NotReproduced.
    /// </summary>
    private static string SumsColumnsSql(bool maximize) => maximize
        ? "ParametersJson, ReviewState, N, SumMax AS SumX, SumSqMax AS SumSq, MaxOfMax AS Best, MinOfMax AS Worst, " + OtherSumsColumns
        : "ParametersJson, ReviewState, N, SumMin AS SumX, SumSqMin AS SumSq, MinOfMin AS Best, MaxOfMin AS Worst, " + OtherSumsColumns;

    private const string OtherSumsColumns =
        "TimedN, SumSeconds, Devices, Submitters, LatestRunId, ParameterCount, Reproduced, NotReproduced";

    /// <summary>
    /// Merges sums rows (<see cref="SumsColumnsSql"/>'s columns; from the aggregates, the day and tag buckets, or one row
    /// per edge run) per configuration into ranked leaderboard rows: mean, sample variance, best and worst, mean
    /// duration, the lists, the budget filter, the page. Only the direction varies, chosen from two constants.
    /// </summary>
    private static string RankSumsSql(string sumsRowsSql, bool maximize) => $"""
        SELECT ParametersJson, N, SumX / N AS Mean,
               CASE WHEN N > 1 THEN (SumSq - N * (SumX / N) * (SumX / N)) / (N - 1) ELSE 0 END AS Variance,
               Best, Worst, MeanSeconds, Devices, Submitters, LatestRunId, ParamCount, Reproduced, NotReproduced, States
        FROM (
            SELECT ParametersJson, SUM(N) AS N, SUM(SumX) AS SumX, SUM(SumSq) AS SumSq,
                   {(maximize ? "MAX" : "MIN")}(Best) AS Best, {(maximize ? "MIN" : "MAX")}(Worst) AS Worst,
                   SUM(SumSeconds) / NULLIF(SUM(TimedN), 0) AS MeanSeconds,
                   group_concat(NULLIF(Devices, '')) AS Devices, group_concat(NULLIF(Submitters, '')) AS Submitters,
                   MAX(LatestRunId) AS LatestRunId, MAX(ParameterCount) AS ParamCount,
                   SUM(Reproduced) AS Reproduced, SUM(NotReproduced) AS NotReproduced, group_concat(ReviewState) AS States
            FROM ({sumsRowsSql})
            GROUP BY ParametersJson
            HAVING $budget IS NULL OR ParamCount <= $budget)
        ORDER BY Mean {(maximize ? "DESC" : "ASC")}, N DESC, ParametersJson
        LIMIT $take OFFSET $skip
        """;

    /// <summary>The leaderboard computed from every matching run (the reference for the aggregates and the buckets).</summary>
    public static async Task<List<LeaderboardRow>> LeaderboardFromRunsAsync(
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
                SELECT r.Id, r.ParametersJson, r.StartedAt, r.FinishedAt, r.Device, r.SubmittedBy, r.SummaryJson, r.Reproduction, r.ReviewState,
                       COALESCE({extreme}, json_extract(r.SummaryJson, $path)) AS Value
                -- Read the experiment's succeeded runs in table order: given the choice, SQLite walks the
                -- (ExperimentKey, ParametersJson) index to skip the GROUP BY sort and pays a random lookup per run
                -- (1.5-2x slower at 100k runs).
                FROM Runs r INDEXED BY IX_Runs_ExperimentKey_Status LEFT JOIN LatestMetrics lm ON lm.RunId = r.Id AND lm.Key = $metric
                WHERE r.ExperimentKey = $experiment AND r.Status = 'Succeeded'
                  AND r.ReproducesRunId IS NULL -- a reproduction repeats a seed: it marks its original, it is not a new seed
                  AND ($layers IS NULL OR json_extract(r.ParametersJson, '$.' || $layersKnob) = $layers)
                  AND ($since IS NULL OR r.FinishedAt >= $since)
                  AND ($before IS NULL OR r.FinishedAt < $before)
                  AND ($tag IS NULL OR EXISTS (SELECT 1 FROM RunTags t WHERE t.RunId = r.Id AND t.Tag = $tag))
                  AND ($dataset IS NULL OR r.DatasetSha256 = $dataset)
                  AND ($states IS NULL OR r.ReviewState IN (SELECT value FROM json_each($states))))
            SELECT ParametersJson, COUNT(*) AS N, AVG(Value) AS Mean,
                   CASE WHEN COUNT(*) > 1 THEN (SUM(Value * Value) - COUNT(*) * AVG(Value) * AVG(Value)) / (COUNT(*) - 1) ELSE 0 END AS Variance,
                   {(maximize ? "MAX" : "MIN")}(Value) AS Best, {(maximize ? "MIN" : "MAX")}(Value) AS Worst,
                   AVG((FinishedAt - StartedAt) / 10000000.0) AS MeanSeconds,
                   COALESCE(group_concat(DISTINCT Device), '') AS Devices,
                   COALESCE(group_concat(DISTINCT SubmittedBy), '') AS Submitters, MAX(Id) AS LatestRunId,
                   -- The parameter count is a property of the configuration: read it from one summary per group,
                   -- not from every run's (parsing 100k summaries was most of the query's time).
                   json_extract(MAX(SummaryJson), '$.{RunResultKeys.ParameterCount}') AS ParamCount,
                   SUM(Reproduction = 'Reproduced') AS Reproduced, SUM(Reproduction = 'NotReproduced') AS NotReproduced,
                   group_concat(DISTINCT ReviewState) AS States
            FROM vals WHERE Value IS NOT NULL
            GROUP BY ParametersJson
            HAVING $budget IS NULL OR ParamCount <= $budget
            ORDER BY Mean {order}, N DESC, ParametersJson
            LIMIT $take OFFSET $skip
            """;
        return await ReadRowsAsync(db, sql, experiment, metric, filter, skip, take, cancellationToken);
    }

    private static async Task<List<LeaderboardRow>> ReadRowsAsync(
        LabDbContext db, string sql, string experiment, string metric, LeaderboardFilter filter, int skip, int take,
        CancellationToken cancellationToken, IReadOnlyDictionary<string, long>? extra = null)
    {
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = connection.CreateCommand();
#pragma warning disable CA2100 // see the callers
            command.CommandText = sql;
#pragma warning restore CA2100
            command.Parameters.AddWithValue("$experiment", experiment);
            command.Parameters.AddWithValue("$metric", metric);
            command.Parameters.AddWithValue("$path", JsonPath(metric));
            command.Parameters.AddWithValue("$take", Math.Clamp(take, 1, 500));
            command.Parameters.AddWithValue("$skip", Math.Max(0, skip));
            command.Parameters.AddWithValue("$layers", (object?)filter.Layers ?? DBNull.Value);
            // The knob's name is bound, never spliced into the SQL; checked to be a plain member name so that the
            // path '$.' || name means that one member (no '.', '[' or quotes to walk elsewhere). No knob (null) makes
            // the path NULL, and a layers filter then matches nothing.
            if (filter.LayersKnob is { } knob && !LeaderboardFilter.IsKnobName(knob))
                throw new ArgumentException($"'{knob}' is not a parameter name.", nameof(filter));
            command.Parameters.AddWithValue("$layersKnob", (object?)filter.LayersKnob ?? DBNull.Value);
            command.Parameters.AddWithValue("$since", filter.FinishedSince is { } since ? since.UtcTicks : DBNull.Value);
            command.Parameters.AddWithValue("$before", filter.FinishedBefore is { } before ? before.UtcTicks : DBNull.Value);
            command.Parameters.AddWithValue("$tag", (object?)filter.Tag ?? DBNull.Value);
            command.Parameters.AddWithValue("$tagKey", filter.Tag ?? ""); // the buckets' key: "" for all runs
            command.Parameters.AddWithValue("$dataset", (object?)filter.DatasetSha256 ?? DBNull.Value);
            command.Parameters.AddWithValue("$budget", (object?)filter.MaxParameters ?? DBNull.Value);
            command.Parameters.AddWithValue("$states", filter.EffectiveStates is { } states
                ? System.Text.Json.JsonSerializer.Serialize(states.Select(s => s.ToString()))
                : DBNull.Value);
            foreach (var (name, value) in extra ?? new Dictionary<string, long>()) command.Parameters.AddWithValue(name, value);
            var rows = new List<LeaderboardRow>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new LeaderboardRow(
                    reader.GetString(0), reader.GetInt32(1), reader.GetDouble(2), Math.Sqrt(Math.Max(0, reader.GetDouble(3))),
                    reader.GetDouble(4), reader.GetDouble(5), reader.IsDBNull(6) ? 0 : reader.GetDouble(6),
                    DistinctList(reader, 7), DistinctList(reader, 8), reader.GetInt64(9), reader.IsDBNull(10) ? null : reader.GetDouble(10))
                {
                    Reproduced = reader.IsDBNull(11) ? 0 : reader.GetInt32(11),
                    NotReproduced = reader.IsDBNull(12) ? 0 : reader.GetInt32(12),
                    ReviewStates = DistinctList(reader, 13),
                });
            }
            return rows;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>A comma list with duplicates removed, sorted (the aggregate concatenates one list per review state).</summary>
    private static string DistinctList(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal)
        ? ""
        : string.Join(",", reader.GetString(ordinal).Split(',', StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));

    /// <summary>The experiment's exact references for the metric, averaged over its finished runs (on one dataset
    /// hash when given: a reference such as an n-gram's bits per token is a property of the text).</summary>
    public static async Task<List<LeaderboardReference>> LeaderboardReferencesAsync(
        this LabDbContext db, string experiment, string metric, CancellationToken cancellationToken, string? datasetSha256 = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await db.Database.SqlQuery<LeaderboardReference>($"""
            SELECT json_extract(j.value, '$.Label') AS Label, AVG(json_extract(j.value, '$.Value')) AS Value, COUNT(*) AS Runs
            FROM Runs r, json_each(r.ReferencesJson) j
            WHERE r.ExperimentKey = {experiment} AND r.Status = 'Succeeded' AND r.ReferencesJson IS NOT NULL
              AND ({datasetSha256} IS NULL OR r.DatasetSha256 = {datasetSha256})
              AND json_extract(j.value, '$.MetricKey') = {metric}
            GROUP BY Label ORDER BY Label
            """).ToListAsync(cancellationToken);
    }

    /// <summary>The dataset hashes an experiment's succeeded runs trained on, most used first, each with a name of a
    /// version that has it (null once every such version is deleted). Empty for experiments without datasets.</summary>
    public static async Task<List<LeaderboardDataset>> LeaderboardDatasetsAsync(
        this LabDbContext db, string experiment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await db.Database.SqlQuery<LeaderboardDataset>($"""
            SELECT r.DatasetSha256 AS Sha256, COUNT(*) AS Runs,
                   (SELECT d.Name || ' v' || d.Version FROM Datasets d WHERE d.Sha256 = r.DatasetSha256 ORDER BY d.Id LIMIT 1) AS Label
            FROM Runs r
            WHERE r.ExperimentKey = {experiment} AND r.Status = 'Succeeded' AND r.DatasetSha256 IS NOT NULL
            GROUP BY r.DatasetSha256
            ORDER BY Runs DESC, Sha256
            """).ToListAsync(cancellationToken);
    }

    /// <summary>JSON path of a summary key; keys hold '/', '@' and '=', so the member is quoted.</summary>
    public static string JsonPath(string metric) =>
        "$.\"" + (metric ?? "").Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}

/// <summary>Leaderboard filters; null means "any".</summary>
/// <param name="ReviewStates">Runs in one of these review states (null: any); <paramref name="ApprovedOnly"/> means just Approved.</param>
/// <param name="Tag">Runs carrying this tag (tags are a-z 0-9 - _ . as the review service stores them).</param>
/// <param name="FinishedBefore">Runs finished before this instant (with <paramref name="FinishedSince"/>: a date range).</param>
/// <param name="DatasetSha256">Runs that trained on the dataset with this SHA-256 (runs on different data are never
/// ranked together; see <see cref="LeaderboardQueries.LeaderboardDatasetsAsync"/>).</param>
/// <param name="LayersKnob">The parameter that holds the number of layers <paramref name="Layers"/> is compared with:
/// the experiment's knob of role Layers, whatever its name (the web layer knows the catalog and sets it; "layers" is
/// the name external runs log it under). Null: the experiment has no such knob, so a layers filter matches nothing.</param>
public sealed record LeaderboardFilter(
    long? Layers = null, double? MaxParameters = null, DateTimeOffset? FinishedSince = null, bool ApprovedOnly = false,
    IReadOnlyList<Review.ReviewState>? ReviewStates = null, string? Tag = null, DateTimeOffset? FinishedBefore = null,
    string? DatasetSha256 = null, string? LayersKnob = LeaderboardFilter.ConventionalLayersKnob)
{
    /// <summary>What runs without declared knobs (external runs) call their layer count.</summary>
    public const string ConventionalLayersKnob = "layers";

    public static LeaderboardFilter None { get; } = new();

    /// <summary>A name the knob path may hold: letters, digits and '_' (as every catalog knob is named), 1–64 long.</summary>
    public static bool IsKnobName(string name) =>
        name is { Length: > 0 and <= 64 } && (char.IsAsciiLetter(name[0]) || name[0] == '_') &&
        name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    public IReadOnlyList<Review.ReviewState>? EffectiveStates => ApprovedOnly ? [Review.ReviewState.Approved] : ReviewStates;
}

/// <summary>Summary keys the leaderboard reads (the Training contract names them; Data does not reference Training).</summary>
public static class RunResultKeys
{
    public const string ParameterCount = "param_count";
}
