using LayerLab.Data;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Compare;

/// <summary>
/// Refuses a compare request whose runs hold more points of the metric than LayerLab:Compare:MaxPoints, before
/// anything is streamed. Cheap first: steps are unique and non-negative, so each run's highest step + 1 (kept in
/// LatestMetrics) bounds its point count; only when that bound is over the cap are the points counted exactly.
/// </summary>
public static class ComparePointBudget
{
    /// <returns>Null when within the cap, else the message for the "runs" field.</returns>
    public static async Task<string?> OverAsync(
        IDbContextFactory<LabDbContext> dbFactory, IReadOnlyList<long> ids, string key, long maxPoints, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dbFactory);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var bound = await db.LatestMetrics.Where(m => ids.Contains(m.RunId) && m.Key == key).SumAsync(m => (long?)m.Step + 1, ct) ?? 0;
        if (bound <= maxPoints) return null;
        var exact = await db.MetricPoints.Where(p => ids.Contains(p.RunId) && p.Key == key).LongCountAsync(ct);
        return exact <= maxPoints ? null
            : $"These {ids.Count} runs hold {exact:N0} points of {key}; one request may stream at most {maxPoints:N0}. Compare fewer runs.";
    }
}
