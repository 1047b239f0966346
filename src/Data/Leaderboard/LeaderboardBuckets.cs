using Microsoft.EntityFrameworkCore;

namespace LayerLab.Data.Leaderboard;

/// <summary>
/// Keeps <see cref="LeaderboardBucket"/> rows equal to what the leaderboard would compute from the runs of one UTC
/// finish day (all runs, and per tag) and, per tag, over all days. Same mechanism as <see cref="LeaderboardAggregates"/>:
/// SQLite triggers recompute the buckets a change touches inside the statement that made it. A run's change touches
/// its configuration's finish day (old and new) and the configuration's per-tag roll-ups; a tag added or removed
/// touches that tag's rows of the run's configuration. A recompute reads the configuration's runs (index
/// Runs(ExperimentKey, ParametersJson)), so a write costs O(seeds of that configuration), as for the aggregates.
/// </summary>
/// <remarks>
/// Created at start with the aggregates' triggers (not in a migration: migrations are regenerated when branches
/// merge); an empty table with succeeded runs is backfilled then.
/// </remarks>
public static class LeaderboardBuckets
{
    /// <summary>Ticks in a UTC day: the bucket of a run is FinishedAt (UTC ticks) / this.</summary>
    public const long TicksPerDay = TimeSpan.TicksPerDay;

    /// <summary>The bucket of runs without a finish time (no date range includes them).</summary>
    public const long UnknownDay = -1;

    /// <summary>The per-tag roll-up over all days (larger than any day number).</summary>
    public const long AllDays = long.MaxValue;

    private static readonly string[] TriggerNames =
    [
        "lbb_runs_insert", "lbb_runs_update", "lbb_runs_delete", "lbb_latest_insert", "lbb_latest_update", "lbb_latest_delete",
        "lbb_tags_insert", "lbb_tags_delete",
    ];

    /// <summary>The day number of a finish time given as an SQL expression (integer division of ticks).</summary>
    private static string DayOf(string finishedAt) => $"COALESCE({finishedAt} / {TicksPerDay}, {UnknownDay})";

    /// <summary>Buckets of all runs ("" tag) per day, for the runs <paramref name="runFilter"/> selects.</summary>
    private static string AllRunsByDaySql(string runFilter) => $"""
        INSERT INTO LeaderboardBuckets (ExperimentKey, MetricKey, Tag, Day, ParametersJson, ReviewState, {LeaderboardAggregates.SumColumns})
        SELECT ExperimentKey, MetricKey, '', {DayOf("FinishedAt")} AS D, ParametersJson, ReviewState, {LeaderboardAggregates.SumExpressions}
        FROM ({LeaderboardAggregates.RunMetricValuesSql(runFilter)})
        GROUP BY ExperimentKey, ParametersJson, MetricKey, ReviewState, D;
        """;

    /// <summary>
    /// Per-tag buckets per day, or the per-tag roll-ups over all days, for the tags <paramref name="tagScope"/> selects
    /// (an SQL condition on a tag column, given its name), of the runs <paramref name="runFilter"/> selects.
    /// </summary>
    private static string TaggedSql(string runFilter, Func<string, string> tagScope, bool byDay) => $"""
        INSERT INTO LeaderboardBuckets (ExperimentKey, MetricKey, Tag, Day, ParametersJson, ReviewState, {LeaderboardAggregates.SumColumns})
        SELECT ExperimentKey, MetricKey, t.Tag, {(byDay ? DayOf("FinishedAt") : AllDays.ToString(System.Globalization.CultureInfo.InvariantCulture))} AS D,
               ParametersJson, ReviewState, {LeaderboardAggregates.SumExpressions}
        FROM ({LeaderboardAggregates.RunMetricValuesSql($"{runFilter} AND EXISTS (SELECT 1 FROM RunTags tt WHERE tt.RunId = r.Id AND {tagScope("tt.Tag")})")}) v
             JOIN RunTags t ON t.RunId = v.Id AND {tagScope("t.Tag")}
        GROUP BY ExperimentKey, ParametersJson, MetricKey, ReviewState, t.Tag, D;
        """;

    /// <summary>Every tag (the scope of a backfill, a deleted run, a day's buckets).</summary>
    private static readonly Func<string, string> AnyTag = _ => "1";

    /// <summary>
    /// Deletes a configuration's buckets of one day and its roll-ups that meet <paramref name="condition"/>. The rows are
    /// found through rowid: given one more condition, SQLite (no statistics on this table) walks the primary key by
    /// experiment alone, every bucket of the experiment, instead of the (experiment, configuration, day) index —
    /// and INDEXED BY is not allowed inside triggers.
    /// </summary>
    private static string DeleteSql(string experiment, string parameters, string finishedAt, string condition) => $"""
        DELETE FROM LeaderboardBuckets WHERE rowid IN (
            SELECT rowid FROM LeaderboardBuckets WHERE ExperimentKey = {experiment} AND ParametersJson = {parameters}
                AND Day IN ({DayOf(finishedAt)}, {AllDays})) AND {condition};
        """;

    /// <summary>
    /// Deletes and recomputes one configuration's buckets of one day (all tags) and the roll-ups of the tags of run
    /// <paramref name="runId"/> (only buckets holding that run change; an untagged run's change touches no roll-up).
    /// <paramref name="experiment"/>, <paramref name="parameters"/>, <paramref name="finishedAt"/> and
    /// <paramref name="runId"/> are SQL expressions; <paramref name="runId"/> null: the roll-ups of every tag (a deleted
    /// run, whose tags may be gone by the time the trigger runs).
    /// </summary>
    private static string RefreshDaySql(string experiment, string parameters, string finishedAt, string? runId, string condition = "1")
    {
        var config = $"r.ExperimentKey = {experiment} AND r.ParametersJson = {parameters} AND {condition}";
        var day = $"{config} AND {DayOf("r.FinishedAt")} = {DayOf(finishedAt)}";
        Func<string, string> runTags = runId is null ? AnyTag : column => $"{column} IN (SELECT Tag FROM RunTags WHERE RunId = {runId})";
        return $"""
            {DeleteSql(experiment, parameters, finishedAt, $"{condition} AND (Day <> {AllDays} OR {runTags("Tag")})")}
            {AllRunsByDaySql(day)}
            {TaggedSql(day, AnyTag, byDay: true)}
            {TaggedSql(config, runTags, byDay: false)}
            """;
    }

    /// <summary>Deletes and recomputes one tag's buckets of the configuration and day of run <paramref name="row"/>.RunId.</summary>
    private static string RefreshTagSql(string row)
    {
        var experiment = $"(SELECT ExperimentKey FROM Runs WHERE Id = {row}.RunId)";
        var parameters = $"(SELECT ParametersJson FROM Runs WHERE Id = {row}.RunId)";
        var finishedAt = $"(SELECT FinishedAt FROM Runs WHERE Id = {row}.RunId)";
        var config = $"r.ExperimentKey = {experiment} AND r.ParametersJson = {parameters}";
        return $"""
            {DeleteSql(experiment, parameters, finishedAt, $"Tag = {row}.Tag")}
            {TaggedSql($"{config} AND {DayOf("r.FinishedAt")} = {DayOf(finishedAt)}", column => $"{column} = {row}.Tag", byDay: true)}
            {TaggedSql(config, column => $"{column} = {row}.Tag", byDay: false)}
            """;
    }

    private static string LatestTrigger(string name, string timing, string row) => $"""
        CREATE TRIGGER {name} AFTER {timing} ON LatestMetrics
        WHEN EXISTS (SELECT 1 FROM Runs WHERE Id = {row}.RunId AND Status = 'Succeeded')
        BEGIN
        {RefreshDaySql($"(SELECT ExperimentKey FROM Runs WHERE Id = {row}.RunId)", $"(SELECT ParametersJson FROM Runs WHERE Id = {row}.RunId)",
            $"(SELECT FinishedAt FROM Runs WHERE Id = {row}.RunId)", $"{row}.RunId")}
        END;
        """;

    private static string TagTrigger(string name, string timing, string row) => $"""
        CREATE TRIGGER {name} AFTER {timing} ON RunTags
        WHEN EXISTS (SELECT 1 FROM Runs WHERE Id = {row}.RunId AND Status = 'Succeeded')
        BEGIN
        {RefreshTagSql(row)}
        END;
        """;

    private static string TriggersSql() => $"""
        CREATE TRIGGER lbb_runs_insert AFTER INSERT ON Runs WHEN NEW.Status = 'Succeeded'
        BEGIN
        {RefreshDaySql("NEW.ExperimentKey", "NEW.ParametersJson", "NEW.FinishedAt", "NEW.Id")}
        END;
        CREATE TRIGGER lbb_runs_update AFTER UPDATE OF Status, ReviewState, Reproduction, SummaryJson, ParametersJson, ExperimentKey,
            StartedAt, FinishedAt, Device, SubmittedBy, ReproducesRunId ON Runs
        WHEN OLD.Status = 'Succeeded' OR NEW.Status = 'Succeeded'
        BEGIN
        {RefreshDaySql("OLD.ExperimentKey", "OLD.ParametersJson", "OLD.FinishedAt", "OLD.Id",
            $"(OLD.ExperimentKey <> NEW.ExperimentKey OR OLD.ParametersJson <> NEW.ParametersJson OR {DayOf("OLD.FinishedAt")} <> {DayOf("NEW.FinishedAt")})")}
        {RefreshDaySql("NEW.ExperimentKey", "NEW.ParametersJson", "NEW.FinishedAt", "NEW.Id")}
        END;
        CREATE TRIGGER lbb_runs_delete AFTER DELETE ON Runs WHEN OLD.Status = 'Succeeded'
        BEGIN
        {RefreshDaySql("OLD.ExperimentKey", "OLD.ParametersJson", "OLD.FinishedAt", runId: null)}
        END;
        {LatestTrigger("lbb_latest_insert", "INSERT", "NEW")}
        {LatestTrigger("lbb_latest_update", "UPDATE", "NEW")}
        {LatestTrigger("lbb_latest_delete", "DELETE", "OLD")}
        {TagTrigger("lbb_tags_insert", "INSERT", "NEW")}
        {TagTrigger("lbb_tags_delete", "DELETE", "OLD")}
        """;

    /// <summary>Drops the triggers (bulk loads that rebuild afterwards, e.g. the benchmark's seeding).</summary>
    public static string DropTriggersSql() => SqliteTriggers.DropSql(TriggerNames);

    /// <summary>Every bucket recomputed from the runs (the backfill and <see cref="RebuildAsync"/>).</summary>
    private static string RecomputeAllSql() => $"""
        {AllRunsByDaySql("1")}
        {TaggedSql("1", AnyTag, byDay: true)}
        {TaggedSql("1", AnyTag, byDay: false)}
        """;

    /// <summary>Recreates the triggers and backfills an empty table (<see cref="TriggerKeptTable"/>).</summary>
    public static Task InstallAsync(LabDbContext db, CancellationToken cancellationToken) =>
        TriggerKeptTable.InstallAsync(db, "LeaderboardBuckets", DropTriggersSql() + TriggersSql(), RecomputeAllSql(), cancellationToken);

    /// <summary>Recomputes every row from the runs (a repair; <see cref="InstallAsync"/> backfills on its own).</summary>
    public static Task RebuildAsync(LabDbContext db, CancellationToken cancellationToken) =>
        TriggerKeptTable.RebuildAsync(db, "LeaderboardBuckets", RecomputeAllSql(), cancellationToken);
}
