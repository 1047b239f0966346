using Microsoft.EntityFrameworkCore;

namespace LayerLab.Data.Leaderboard;

/// <summary>
/// Keeps <see cref="LeaderboardAggregate"/> rows equal to what the leaderboard would compute from the runs.
/// SQLite triggers recompute one configuration's rows whenever anything the leaderboard reads changes for a
/// succeeded run — completion (ledger or external API), review state, reproduction badge, summary, a late latest
/// value, deletion — inside the statement that changed it, so the aggregate can never disagree with the runs and
/// no code path (today's or another helper's) has to remember to update it. Recomputing a configuration reads only
/// its runs (index Runs(ExperimentKey, ParametersJson)), so a write costs O(seeds of that configuration).
/// </summary>
/// <remarks>
/// The triggers are (re)created at start rather than in a migration: migrations are regenerated from the model
/// when branches merge, and raw SQL in them would be lost. An empty table with succeeded runs is backfilled then.
/// </remarks>
public static class LeaderboardAggregates
{
    private static readonly string[] TriggerNames =
        ["lb_runs_insert", "lb_runs_update", "lb_runs_delete", "lb_latest_insert", "lb_latest_update", "lb_latest_delete"];

    /// <summary>
    /// Per (run, metric): the run's minimum and maximum over its history (LatestMetrics), or its summary value
    /// for a summary-only metric or a metric whose history has no finite value — the same values the per-run
    /// leaderboard query reads. <paramref name="runFilter"/> is an SQL condition on <c>r</c>.
    /// </summary>
    private static string RecomputeSql(string runFilter) => $"""
        INSERT INTO LeaderboardAggregates (ExperimentKey, ParametersJson, MetricKey, ReviewState, {SumColumns})
        SELECT ExperimentKey, ParametersJson, MetricKey, ReviewState, {SumExpressions}
        FROM ({RunMetricValuesSql(runFilter)})
        GROUP BY ExperimentKey, ParametersJson, MetricKey, ReviewState;
        """;

    /// <summary>The sum columns shared with <see cref="LeaderboardBucket"/>, in the order of <see cref="SumExpressions"/>.</summary>
    internal const string SumColumns = """
        N, SumMin, SumSqMin, MinOfMin, MaxOfMin, SumMax, SumSqMax, MinOfMax, MaxOfMax, TimedN, SumSeconds,
        Devices, Submitters, LatestRunId, ParameterCount, Reproduced, NotReproduced
        """;

    /// <summary>The sums over the rows of <see cref="RunMetricValuesSql"/> in one group.</summary>
    internal static readonly string SumExpressions = $"""
        COUNT(*), SUM(VMin), SUM(VMin * VMin), MIN(VMin), MAX(VMin), SUM(VMax), SUM(VMax * VMax), MIN(VMax), MAX(VMax),
        COUNT(Seconds), SUM(Seconds),
        COALESCE(group_concat(DISTINCT Device), ''), COALESCE(group_concat(DISTINCT SubmittedBy), ''), MAX(Id),
        json_extract(MAX(SummaryJson), '$.{RunResultKeys.ParameterCount}'),
        COALESCE(SUM(Reproduction = 'Reproduced'), 0), COALESCE(SUM(Reproduction = 'NotReproduced'), 0)
        """;

    /// <summary>
    /// One row per (succeeded run, metric) with the run's minimum and maximum (VMin, VMax) and what the sums read
    /// (FinishedAt for the day buckets). <paramref name="runFilter"/> is an SQL condition on <c>r</c>.
    /// </summary>
    internal static string RunMetricValuesSql(string runFilter) => $"""
        SELECT * FROM (
            SELECT r.Id, r.ExperimentKey, r.ParametersJson, r.ReviewState, r.Device, r.SubmittedBy, r.SummaryJson,
                   r.Reproduction, (r.FinishedAt - r.StartedAt) / 10000000.0 AS Seconds, r.FinishedAt, lm.Key AS MetricKey,
                   COALESCE(lm.Min, s.value) AS VMin, COALESCE(lm.Max, s.value) AS VMax
            FROM Runs r JOIN LatestMetrics lm ON lm.RunId = r.Id
                 LEFT JOIN json_each(r.SummaryJson) s ON s.key = lm.Key AND s.type IN ('integer', 'real')
            WHERE r.Status = 'Succeeded' AND r.ReproducesRunId IS NULL AND {runFilter}
            UNION ALL
            SELECT r.Id, r.ExperimentKey, r.ParametersJson, r.ReviewState, r.Device, r.SubmittedBy, r.SummaryJson,
                   r.Reproduction, (r.FinishedAt - r.StartedAt) / 10000000.0, r.FinishedAt, s.key, s.value, s.value
            FROM Runs r, json_each(r.SummaryJson) s
            WHERE r.Status = 'Succeeded' AND r.ReproducesRunId IS NULL AND {runFilter} AND s.type IN ('integer', 'real')
              AND NOT EXISTS (SELECT 1 FROM LatestMetrics l WHERE l.RunId = r.Id AND l.Key = s.key))
        WHERE VMin IS NOT NULL AND VMax IS NOT NULL
        """;

    /// <summary>Deletes and recomputes one configuration; <paramref name="experiment"/> and <paramref name="parameters"/> are SQL expressions.</summary>
    private static string RefreshSql(string experiment, string parameters, string extraCondition = "1") => $"""
        DELETE FROM LeaderboardAggregates WHERE ExperimentKey = {experiment} AND ParametersJson = {parameters} AND {extraCondition};
        {RecomputeSql($"r.ExperimentKey = {experiment} AND r.ParametersJson = {parameters} AND {extraCondition}")}
        """;

    private static string LatestTrigger(string name, string timing, string row) => $"""
        CREATE TRIGGER {name} AFTER {timing} ON LatestMetrics
        WHEN EXISTS (SELECT 1 FROM Runs WHERE Id = {row}.RunId AND Status = 'Succeeded')
        BEGIN
        {RefreshSql($"(SELECT ExperimentKey FROM Runs WHERE Id = {row}.RunId)", $"(SELECT ParametersJson FROM Runs WHERE Id = {row}.RunId)")}
        END;
        """;

    private static string TriggersSql() => $"""
        CREATE TRIGGER lb_runs_insert AFTER INSERT ON Runs WHEN NEW.Status = 'Succeeded'
        BEGIN
        {RefreshSql("NEW.ExperimentKey", "NEW.ParametersJson")}
        END;
        CREATE TRIGGER lb_runs_update AFTER UPDATE OF Status, ReviewState, Reproduction, SummaryJson, ParametersJson, ExperimentKey,
            StartedAt, FinishedAt, Device, SubmittedBy, ReproducesRunId ON Runs
        WHEN OLD.Status = 'Succeeded' OR NEW.Status = 'Succeeded'
        BEGIN
        {RefreshSql("OLD.ExperimentKey", "OLD.ParametersJson", "(OLD.ExperimentKey <> NEW.ExperimentKey OR OLD.ParametersJson <> NEW.ParametersJson)")}
        {RefreshSql("NEW.ExperimentKey", "NEW.ParametersJson")}
        END;
        CREATE TRIGGER lb_runs_delete AFTER DELETE ON Runs WHEN OLD.Status = 'Succeeded'
        BEGIN
        {RefreshSql("OLD.ExperimentKey", "OLD.ParametersJson")}
        END;
        {LatestTrigger("lb_latest_insert", "INSERT", "NEW")}
        {LatestTrigger("lb_latest_update", "UPDATE", "NEW")}
        {LatestTrigger("lb_latest_delete", "DELETE", "OLD")}
        """;

    /// <summary>Drops the triggers (bulk loads that rebuild afterwards, e.g. the benchmark's seeding).</summary>
    public static string DropTriggersSql() => SqliteTriggers.DropSql(TriggerNames);

    /// <summary>Recreates the triggers and backfills an empty table (<see cref="TriggerKeptTable"/>).</summary>
    public static Task InstallAsync(LabDbContext db, CancellationToken cancellationToken) =>
        TriggerKeptTable.InstallAsync(db, "LeaderboardAggregates", DropTriggersSql() + TriggersSql(), RecomputeSql("1"), cancellationToken);

    /// <summary>Recomputes every row from the runs (a repair; <see cref="InstallAsync"/> backfills on its own).</summary>
    public static Task RebuildAsync(LabDbContext db, CancellationToken cancellationToken) =>
        TriggerKeptTable.RebuildAsync(db, "LeaderboardAggregates", RecomputeSql("1"), cancellationToken);
}
