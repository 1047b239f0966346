using LayerLab.Data;
using LayerLab.Data.Leaderboard;
using LayerLab.Training.Contracts;
using LayerLab.Web.Accounts;
using LayerLab.Web.Leaderboard;
using LayerLab.Web.Runs;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Compare;

/// <summary>Many runs' curves of one metric (for the compare chart), and CSV exports of a comparison and a leaderboard.</summary>
public static class CompareEndpoints
{
    public static IEndpointRouteBuilder MapCompareApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization(LabPolicies.Read);
        api.MapGet("/compare/metrics", Metrics);
        api.MapGet("/compare.csv", CompareCsvAsync);
        api.MapGet("/leaderboard.csv", LeaderboardCsvAsync);
        return app;
    }

    private static async Task<IResult> Metrics(
        string? runs, string? key, string? format, string? times, HttpRequest http, IDbContextFactory<LabDbContext> dbFactory,
        HistoryCompactor compactor, Microsoft.Extensions.Options.IOptions<CompareOptions> options, CancellationToken ct)
    {
        var (request, errors) = CompareHistoryRequest.Parse(runs, key, format, times, http.Headers.Accept.ToString());
        if (request is null) return Results.ValidationProblem(errors);
        if (CompareQueries.CountIds(runs) > CompareQueries.MaxRuns)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["runs"] = [$"At most {CompareQueries.MaxRuns} runs per request."] });
        if (await ComparePointBudget.OverAsync(dbFactory, request.Ids, request.Key, options.Value.MaxPoints, ct) is { } over)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["runs"] = [over] });
        return new CompareHistoryResult(request, dbFactory, compactor);
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
        string? dataset, ExperimentCatalog catalog, IDbContextFactory<LabDbContext> dbFactory, TimeProvider clock, CancellationToken ct)
    {
        var e = catalog.Find(experiment ?? "");
        var m = e?.Metrics.FirstOrDefault(x => x.Key == metric);
        if (e is null || m is null)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["metric"] = ["Give a catalog experiment and one of its metrics."] });
        var (parsed, errors) = LeaderboardFilterQuery.Parse(review, tag, from, to, days, layers, budget, clock.GetUtcNow(), e, dataset);
        if (parsed is null) return Results.ValidationProblem(errors);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (filter, _) = await LeaderboardFilterQuery.WithDatasetAsync(db, e.Key, parsed, ct);
        var rows = await db.LeaderboardAsync(e.Key, m.Key, m.Direction == MetricDirection.Maximize, filter, 0, 500, ct);
        var csv = CsvWriter.Write(
            ["rank", "parameters", "mean", "ci95", "n", "stddev", "best", "worst", "mean_seconds", "devices", "submitters", "latest_run",
             "param_count", "review_states", "dataset_sha256"],
            rows.Select((r, i) => new object?[]
            {
                i + 1, r.ParametersJson, r.Mean, r.Ci95, r.N, r.StdDev, r.Best, r.Worst, r.MeanSeconds, r.Devices, r.Submitters, r.LatestRunId,
                r.ParameterCount, r.ReviewStates, filter.DatasetSha256,
            }));
        return Results.File(System.Text.Encoding.UTF8.GetBytes(csv), "text/csv", $"leaderboard-{e.Key}.csv");
    }
}
