using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Training.Contracts;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Compare;

/// <summary>One run in a comparison: its parameters and the best/last value of the compared metric.</summary>
/// <param name="Name">The run's own name (external runs name themselves), or null.</param>
public sealed record CompareRun(long Id, string Experiment, long Seed, IReadOnlyDictionary<string, string> Parameters, double? Best, double? Last, string? Name = null)
{
    /// <summary>What a legend calls the run: its name when it has one (external runs have no seed to speak of).</summary>
    public string Label => Name is { Length: > 0 } ? $"#{Id} {Name}" : $"#{Id} seed {Seed}";
}

/// <summary>Reads what the compare page and CSV need for a set of runs, in one pass each.</summary>
public sealed class CompareQueries(IDbContextFactory<LabDbContext> dbFactory, ExperimentCatalog catalog)
{
    public const int MaxRuns = 500;

    /// <summary>How many distinct valid ids the text names, before <see cref="ParseIds"/> keeps the first <see cref="MaxRuns"/>.</summary>
    public static int CountIds(string? runs) =>
        (runs ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => long.TryParse(s, out var id) ? id : -1).Where(id => id > 0).Distinct().Count();

    public static IReadOnlyList<long> ParseIds(string? runs) =>
        (runs ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => long.TryParse(s, out var id) ? id : -1).Where(id => id > 0).Distinct().Take(MaxRuns).ToList();

    /// <summary>Whether larger is better for this metric (from the experiments' definitions; default: smaller).</summary>
    public bool Maximize(string metric) =>
        catalog.All.SelectMany(e => e.Metrics).FirstOrDefault(m => m.Key == metric)?.Direction == MetricDirection.Maximize;

    /// <summary>The first metric the runs' experiment declares that they also logged; else the first logged key.</summary>
    public string? PreferredMetric(IReadOnlyList<long> ids, IReadOnlyList<string> keys) =>
        catalog.All.SelectMany(e => e.Metrics).Select(m => m.Key).FirstOrDefault(keys.Contains) ?? (keys.Count > 0 ? keys[0] : null);

    public async Task<List<string>> MetricKeysAsync(IReadOnlyList<long> ids, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.LatestMetrics.Where(m => ids.Contains(m.RunId)).Select(m => m.Key).Distinct().OrderBy(k => k).ToListAsync(ct);
    }

    public async Task<List<CompareRun>> RunsAsync(IReadOnlyList<long> ids, string metric, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var runs = await db.Runs.AsNoTracking().Where(r => ids.Contains(r.Id)).OrderBy(r => r.Id).ToListAsync(ct);
        var latest = await db.LatestMetrics.AsNoTracking().Where(m => ids.Contains(m.RunId) && m.Key == metric).ToDictionaryAsync(m => m.RunId, ct);
        var maximize = Maximize(metric);
        return runs.Select(r =>
        {
            latest.TryGetValue(r.Id, out var m);
            return new CompareRun(r.Id, r.ExperimentKey, r.Seed, Parameters(r), maximize ? m?.Max : m?.Min, m?.Value, r.Name);
        }).ToList();
    }

    private static Dictionary<string, string> Parameters(Run run) => run.ParameterTexts();

    /// <summary>Parameter names whose values are not all the same across the runs (the diff table shows only these).</summary>
    public static List<string> DifferingParameters(IReadOnlyList<CompareRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var names = runs.SelectMany(r => r.Parameters.Keys).Distinct(StringComparer.Ordinal);
        return names.Where(n => runs.Select(r => r.Parameters.GetValueOrDefault(n) ?? "∅").Distinct(StringComparer.Ordinal).Count() > 1)
            .Order(StringComparer.Ordinal).ToList();
    }
}
