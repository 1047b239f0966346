using LayerLab.Data.Leaderboard;
using LayerLab.Data.Runs;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Data.Sweeps;

public static class SweepQueries
{
    public static async Task<SweepProgress> SweepProgressAsync(this LabDbContext db, long sweepId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var counts = await db.Runs.Where(r => r.SweepId == sweepId).GroupBy(r => r.Status)
            .Select(g => new { g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        return SweepProgress.From(counts.Select(c => (c.Key, c.Count)));
    }

    /// <summary>Progress of many sweeps in one query (the sweeps list).</summary>
    public static async Task<Dictionary<long, SweepProgress>> SweepProgressAsync(
        this LabDbContext db, IReadOnlyCollection<long> sweepIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var counts = await db.Runs.Where(r => r.SweepId != null && sweepIds.Contains(r.SweepId.Value))
            .GroupBy(r => new { r.SweepId, r.Status }).Select(g => new { g.Key.SweepId, g.Key.Status, Count = g.Count() })
            .ToListAsync(cancellationToken);
        return sweepIds.ToDictionary(id => id, id => SweepProgress.From(counts.Where(c => c.SweepId == id).Select(c => (c.Status, c.Count))));
    }

    /// <summary>
    /// Every run of the sweep with the best value of the metric over its history (min or max from LatestMetrics, as
    /// the leaderboard does; a summary-only metric uses its summary value).
    /// </summary>
    public static async Task<List<SweepRunValue>> SweepRunValuesAsync(
        this LabDbContext db, long sweepId, string metric, bool maximize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var path = LeaderboardQueries.JsonPath(metric);
        // Two fixed statements (min or max); values are parameters.
        var rows = maximize
            ? await db.Database.SqlQuery<RawValue>($"""
                SELECT r.Id AS RunId, r.ParametersJson, r.Status, COALESCE(lm.Max, json_extract(r.SummaryJson, {path})) AS Value
                FROM Runs r LEFT JOIN LatestMetrics lm ON lm.RunId = r.Id AND lm.Key = {metric}
                WHERE r.SweepId = {sweepId} ORDER BY r.Id
                """).ToListAsync(cancellationToken)
            : await db.Database.SqlQuery<RawValue>($"""
                SELECT r.Id AS RunId, r.ParametersJson, r.Status, COALESCE(lm.Min, json_extract(r.SummaryJson, {path})) AS Value
                FROM Runs r LEFT JOIN LatestMetrics lm ON lm.RunId = r.Id AND lm.Key = {metric}
                WHERE r.SweepId = {sweepId} ORDER BY r.Id
                """).ToListAsync(cancellationToken);
        return rows.Select(r => new SweepRunValue(r.RunId, r.ParametersJson, Enum.Parse<RunStatus>(r.Status), r.Value)).ToList();
    }

    internal sealed record RawValue(long RunId, string ParametersJson, string Status, double? Value);
}
