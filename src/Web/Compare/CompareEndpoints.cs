using LayerLab.Data;
using LayerLab.Data.Leaderboard;
using LayerLab.Training.Contracts;
using LayerLab.Web.Accounts;
using LayerLab.Web.Components.Leaderboard;
using LayerLab.Web.Runs;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Compare;

/// <summary>Many runs' curves of one metric (for the compare chart), and CSV exports of a comparison and a leaderboard.</summary>
public static class CompareEndpoints
{
    public static IEndpointRouteBuilder MapCompareApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization(LabPolicies.Read);
        api.MapGet("/compare/metrics", MetricsAsync);
        api.MapGet("/compare.csv", CompareCsvAsync);
        api.MapGet("/leaderboard.csv", LeaderboardCsvAsync);
        return app;
    }

    private static async Task<IResult> MetricsAsync(string? runs, string? key, IDbContextFactory<LabDbContext> dbFactory, CancellationToken ct)
    {
        var ids = CompareQueries.ParseIds(runs);
        if (ids.Count == 0 || string.IsNullOrEmpty(key))
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["runs"] = ["Give run ids (runs=1,2,3) and a metric key."] });
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var started = await db.Runs.AsNoTracking().Where(r => ids.Contains(r.Id)).Select(r => new { r.Id, r.StartedAt }).ToDictionaryAsync(r => r.Id, r => r.StartedAt, ct);
        var series = ids.ToDictionary(id => id, _ => new TimedSeriesDto());
        await foreach (var p in db.MetricPoints.AsNoTracking().Where(p => ids.Contains(p.RunId) && p.Key == key)
                           .OrderBy(p => p.RunId).ThenBy(p => p.Step).AsAsyncEnumerable().WithCancellation(ct))
        {
            series[p.RunId].Add(p.Step, p.Value, p.At);
        }
        return Results.Ok(new
        {
            key,
            runs = series.Select(s => new
            {
                runId = s.Key, steps = s.Value.Steps, values = s.Value.Values, times = s.Value.Times,
                startedAt = started.GetValueOrDefault(s.Key)?.ToUnixTimeMilliseconds(),
            }),
        });
    }

    private static async Task<IResult> CompareCsvAsync(string? runs, string? key, CompareQueries queries, CancellationToken ct)
    {
        var ids = CompareQueries.ParseIds(runs);
        if (ids.Count == 0 || string.IsNullOrEmpty(key))
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["runs"] = ["Give run ids (runs=1,2,3) and a metric key."] });
        var rows = await queries.RunsAsync(ids, key, ct);
        var names = rows.SelectMany(r => r.Parameters.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var csv = CsvWriter.Write(
            ["run", "experiment", "seed", .. names, $"best {key}", $"last {key}"],
            rows.Select(r => new object?[] { r.Id, r.Experiment, r.Seed }.Concat(names.Select(n => (object?)r.Parameters.GetValueOrDefault(n))).Concat([r.Best, r.Last])));
        return Results.File(System.Text.Encoding.UTF8.GetBytes(csv), "text/csv", "comparison.csv");
    }

    private static async Task<IResult> LeaderboardCsvAsync(
        string? experiment, string? metric, string? review, string? tag, string? from, string? to, int? days, long? layers, double? budget,
        ExperimentCatalog catalog, IDbContextFactory<LabDbContext> dbFactory, TimeProvider clock, CancellationToken ct)
    {
        var e = catalog.Find(experiment ?? "");
        var m = e?.Metrics.FirstOrDefault(x => x.Key == metric);
        if (e is null || m is null)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["metric"] = ["Give a catalog experiment and one of its metrics."] });
        var (filter, errors) = LeaderboardFilterQuery.Parse(review, tag, from, to, days, layers, budget, clock.GetUtcNow());
        if (filter is null) return Results.ValidationProblem(errors);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.LeaderboardAsync(e.Key, m.Key, m.Direction == MetricDirection.Maximize, filter, 0, 500, ct);
        var csv = CsvWriter.Write(
            ["rank", "parameters", "mean", "ci95", "n", "stddev", "best", "worst", "mean_seconds", "devices", "submitters", "latest_run",
             "param_count", "review_states"],
            rows.Select((r, i) => new object?[]
            {
                i + 1, r.ParametersJson, r.Mean, r.Ci95, r.N, r.StdDev, r.Best, r.Worst, r.MeanSeconds, r.Devices, r.Submitters, r.LatestRunId,
                r.ParameterCount, r.ReviewStates,
            }));
        return Results.File(System.Text.Encoding.UTF8.GetBytes(csv), "text/csv", $"leaderboard-{e.Key}.csv");
    }
}

/// <summary>A compared curve: steps, values (non-finite as null) and report times (Unix ms; null where not recorded).</summary>
public sealed record TimedSeriesDto(List<long> Steps, List<double?> Values, List<long?> Times)
{
    public TimedSeriesDto() : this([], [], []) { }

    public void Add(long step, double? value, long? at)
    {
        Steps.Add(step);
        Values.Add(value is { } v && double.IsFinite(v) ? v : null);
        Times.Add(at);
    }
}
