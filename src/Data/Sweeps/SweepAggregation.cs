using LayerLab.Data.Leaderboard;
using LayerLab.Data.Runs;

namespace LayerLab.Data.Sweeps;

/// <summary>One run of a sweep as the results table needs it: its configuration, state and best metric value.</summary>
/// <param name="Value">Best value of the primary metric over the run (null until it succeeded, or if it never reported it).</param>
public sealed record SweepRunValue(long RunId, string ParametersJson, RunStatus Status, double? Value);

/// <summary>A configuration of a sweep, its seeds aggregated: mean ± 95% t-interval over the succeeded runs.</summary>
public sealed record SweepConfigurationRow(string ParametersJson, int Runs, int N, double? Mean, double? StdDev, double? Ci95, IReadOnlyList<long> RunIds)
{
    public bool IsBest { get; init; }
}

public static class SweepAggregation
{
    /// <summary>
    /// Groups runs by configuration (identical parameter JSON) in first-seen order. Only succeeded runs with a value
    /// count towards n; the best configuration is the best mean (ties: more seeds) among those with n ≥ 1.
    /// </summary>
    public static List<SweepConfigurationRow> Aggregate(IEnumerable<SweepRunValue> runs, bool maximize)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var rows = runs.GroupBy(r => r.ParametersJson, StringComparer.Ordinal).Select(group =>
        {
            var values = group.Where(r => r.Status == RunStatus.Succeeded && r.Value is { } v && double.IsFinite(v))
                .Select(r => r.Value!.Value).ToList();
            var ids = group.Select(r => r.RunId).Order().ToList();
            if (values.Count == 0) return new SweepConfigurationRow(group.Key, ids.Count, 0, null, null, null, ids);
            var mean = values.Average();
            double? sd = values.Count < 2 ? null : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
            double? ci = sd is { } s ? StudentT.Quantile975(values.Count - 1) * s / Math.Sqrt(values.Count) : null;
            return new SweepConfigurationRow(group.Key, ids.Count, values.Count, mean, sd, ci, ids);
        }).ToList();

        var best = rows.Where(r => r.Mean is not null)
            .OrderBy(r => maximize ? -r.Mean!.Value : r.Mean!.Value).ThenByDescending(r => r.N).FirstOrDefault();
        return rows.Select(r => ReferenceEquals(r, best) ? r with { IsBest = true } : r).ToList();
    }
}
