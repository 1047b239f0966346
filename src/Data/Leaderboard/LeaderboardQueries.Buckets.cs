using Microsoft.EntityFrameworkCore;

namespace LayerLab.Data.Leaderboard;

public static partial class LeaderboardQueries
{
    /// <summary>
    /// The leaderboard with a date and/or tag filter from the bucketed sums (<see cref="LeaderboardBucket"/>): the whole
    /// UTC days of the range from the day buckets, the partial days at its edges from the runs that finished in those
    /// edges (index Runs(ExperimentKey, Status, FinishedAt), so they cost O(runs in the edge days)), merged per
    /// configuration as the aggregates are — or all from those runs where that is cheaper (<see cref="ChoosePlanAsync"/>).
    /// A tag without dates reads the tag's roll-up over all days. Same figures as <see cref="LeaderboardFromRunsAsync"/>.
    /// </summary>
    public static async Task<List<LeaderboardRow>> LeaderboardFromBucketsAsync(
        this LabDbContext db, string experiment, string metric, bool maximize, LeaderboardFilter filter,
        int skip, int take, CancellationToken cancellationToken, BucketPath path = BucketPath.Cheapest)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(filter);
        var extreme = maximize ? "lm.Max" : "lm.Min";
        var plan = path switch
        {
            BucketPath.Buckets => BucketPlan.For(filter.FinishedSince?.UtcTicks, filter.FinishedBefore?.UtcTicks),
            BucketPath.Runs when filter.FinishedSince is not null || filter.FinishedBefore is not null =>
                BucketPlan.RunsOnly(filter.FinishedSince?.UtcTicks, filter.FinishedBefore?.UtcTicks),
            _ => await ChoosePlanAsync(db, experiment, metric, filter, cancellationToken),
        };
        // Only column names and the direction vary, chosen from constants; values are parameters.
        var sql = RankSumsSql($"""
            SELECT {SumsColumnsSql(maximize)}
            FROM LeaderboardBuckets
            WHERE ExperimentKey = $experiment AND MetricKey = $metric AND Tag = $tagKey AND Day BETWEEN $dayFrom AND $dayLast
              AND ($states IS NULL OR ReviewState IN (SELECT value FROM json_each($states)))
              AND ($layers IS NULL OR json_extract(ParametersJson, '$.' || $layersKnob) = $layers)
              {DatasetOfSumsSql}
            UNION ALL
            {EdgeRunsSql("$edge1From", "$edge1To", extreme)}
            UNION ALL
            {EdgeRunsSql("$edge2From", "$edge2To", extreme)}
            """, maximize);
        // A tag alone reads its roll-up over all days (a day range never includes it, nor the unknown day).
        var tagOnly = filter.FinishedSince is null && filter.FinishedBefore is null;
        var extra = new Dictionary<string, long>
        {
            ["$dayFrom"] = tagOnly ? LeaderboardBuckets.AllDays : plan.DayFrom,
            ["$dayLast"] = tagOnly ? LeaderboardBuckets.AllDays : plan.DayTo - 1,
            ["$edge1From"] = plan.Edge1.From, ["$edge1To"] = plan.Edge1.To,
            ["$edge2From"] = plan.Edge2.From, ["$edge2To"] = plan.Edge2.To,
        };
        return await ReadRowsAsync(db, sql, experiment, metric, filter, skip, take, cancellationToken, extra);
    }

    /// <summary>A day bucket costs about this many runs read through the finish-time index (measured in PortalBench).</summary>
    private const int BucketRowCostInRuns = 3;

    /// <summary>
    /// Whole days from the buckets and the edges from the runs — unless the whole days hold so few runs per bucket
    /// (runs spread thinly over many configurations: about one bucket row per run) that reading those runs through the
    /// finish-time index is cheaper than reading their buckets; then the whole range is read from the runs. Both
    /// counts are index-only, and the runs are counted only up to the point where the buckets win.
    /// </summary>
    private static async Task<BucketPlan> ChoosePlanAsync(
        LabDbContext db, string experiment, string metric, LeaderboardFilter filter, CancellationToken cancellationToken)
    {
        var (since, before) = (filter.FinishedSince?.UtcTicks, filter.FinishedBefore?.UtcTicks);
        var plan = BucketPlan.For(since, before);
        if ((since is null && before is null) || plan.DayFrom >= plan.DayTo) return plan;
        var tagKey = filter.Tag ?? "";
        var (dayFrom, dayLast) = (plan.DayFrom, plan.DayTo - 1);
        var bucketRows = await db.Database.SqlQuery<long>($"""
            SELECT COUNT(*) AS Value FROM LeaderboardBuckets
            WHERE ExperimentKey = {experiment} AND MetricKey = {metric} AND Tag = {tagKey} AND Day BETWEEN {dayFrom} AND {dayLast}
            """).SingleAsync(cancellationToken);
        var from = plan.DayFrom * LeaderboardBuckets.TicksPerDay;
        var to = before is null ? long.MaxValue : plan.DayTo * LeaderboardBuckets.TicksPerDay;
        var cap = (bucketRows * BucketRowCostInRuns) + 1;
        var runs = await db.Database.SqlQuery<long>($"""
            SELECT COUNT(*) AS Value FROM (
                SELECT 1 FROM Runs INDEXED BY IX_Runs_ExperimentKey_Status_FinishedAt
                WHERE ExperimentKey = {experiment} AND Status = 'Succeeded' AND FinishedAt >= {from} AND FinishedAt < {to}
                LIMIT {cap})
            """).SingleAsync(cancellationToken);
        return runs < cap ? BucketPlan.RunsOnly(since, before) : plan;
    }

    /// <summary>
    /// The runs that finished in [from, to) as one sums row each (N = 1), with the reference query's value and filters.
    /// </summary>
    private static string EdgeRunsSql(string from, string to, string extreme) => $"""
        SELECT ParametersJson, ReviewState, 1, Value, Value * Value, Value, Value,
               (FinishedAt - StartedAt) IS NOT NULL, (FinishedAt - StartedAt) / 10000000.0, COALESCE(Device, ''), COALESCE(SubmittedBy, ''),
               Id, json_extract(SummaryJson, '$.{RunResultKeys.ParameterCount}'),
               COALESCE(Reproduction = 'Reproduced', 0), COALESCE(Reproduction = 'NotReproduced', 0)
        FROM (
            SELECT r.Id, r.ParametersJson, r.ReviewState, r.StartedAt, r.FinishedAt, r.Device, r.SubmittedBy, r.SummaryJson, r.Reproduction,
                   COALESCE({extreme}, json_extract(r.SummaryJson, $path)) AS Value
            FROM Runs r INDEXED BY IX_Runs_ExperimentKey_Status_FinishedAt
                 LEFT JOIN LatestMetrics lm ON lm.RunId = r.Id AND lm.Key = $metric
            WHERE r.ExperimentKey = $experiment AND r.Status = 'Succeeded' AND r.FinishedAt >= {from} AND r.FinishedAt < {to}
              AND r.ReproducesRunId IS NULL
              AND ($layers IS NULL OR json_extract(r.ParametersJson, '$.' || $layersKnob) = $layers)
              AND ($tag IS NULL OR EXISTS (SELECT 1 FROM RunTags t WHERE t.RunId = r.Id AND t.Tag = $tag))
              AND ($dataset IS NULL OR r.DatasetSha256 = $dataset)
              AND ($states IS NULL OR r.ReviewState IN (SELECT value FROM json_each($states))))
        WHERE Value IS NOT NULL
        """;
}

/// <summary>How a date range is read: the cheaper way (the page), or forced (tests and benchmarks compare both).</summary>
public enum BucketPath
{
    Cheapest,
    Buckets,
    Runs,
}

/// <summary>
/// How a date range [since, before) splits into whole UTC days (read from the day buckets, [DayFrom, DayTo)) and at
/// most two partial edges (read from the runs, each [From, To) in ticks; an empty edge is [0, 0)).
/// </summary>
public readonly record struct BucketPlan(long DayFrom, long DayTo, (long From, long To) Edge1, (long From, long To) Edge2)
{
    private static readonly (long, long) NoEdge = (0, 0);

    /// <summary>The whole range read from the runs.</summary>
    public static BucketPlan RunsOnly(long? since, long? before) => new(0, 0, (since ?? 0, before ?? long.MaxValue), NoEdge);

    public static BucketPlan For(long? since, long? before)
    {
        const long day = LeaderboardBuckets.TicksPerDay;
        // Whole days: from the first midnight at or after `since` to the last midnight at or before `before`.
        var firstWhole = since is { } s ? (s + day - 1) / day : 0;
        var endWhole = before is { } b ? b / day : LeaderboardBuckets.AllDays;
        if (firstWhole >= endWhole) return RunsOnly(since, before); // no whole day inside: the range is all edge
        var lower = since is { } from && from < firstWhole * day ? (from, firstWhole * day) : NoEdge;
        var upper = before is { } to && endWhole * day < to ? (endWhole * day, to) : NoEdge;
        return new BucketPlan(firstWhole, endWhole, lower, upper);
    }
}
