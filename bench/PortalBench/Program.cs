// Portal benchmarks against BARS.md: leaderboard and run-list server time at 100k runs, metric ingestion
// throughput into SQLite. Builds a real portal (worker off) on a temporary SQLite file; prints a markdown table.
//   dotnet run -c Release --project bench/PortalBench [-- --runs 100000] [--days 1.16]
// --days spreads the runs' finish times over that many days (default: one run a second, as before the date buckets).
using System.Diagnostics;
using System.Globalization;
using LayerLab.Data;
using LayerLab.Data.Leaderboard;
using LayerLab.Data.Runs;
using LayerLab.Training.Contracts;
using LayerLab.Web.Hosting;
using LayerLab.Web.Ingestion;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

var runs = Option("--runs") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 100_000;
var days = Option("--days") is { } d ? double.Parse(d, CultureInfo.InvariantCulture) : runs / 86_400.0;
var folder = Directory.CreateTempSubdirectory("layerlab-bench").FullName;
var file = Path.Combine(folder, "bench.db");
var app = PortalHost.Build([$"--LayerLab:Database=Data Source={file}", "--LayerLab:Worker:Enabled=false", "--urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"]);
await app.StartAsync();
var dbFactory = app.Services.GetRequiredService<IDbContextFactory<LabDbContext>>();

Console.WriteLine($"Seeding {runs:N0} runs (1,000 configurations × {runs / 1000} seeds, 3 metrics each) ...");
var seed = Stopwatch.StartNew();
await Seed.RunsAsync(file, runs, days);
Console.WriteLine($"seeded in {seed.Elapsed.TotalSeconds:F1} s");
// The seed bypasses the portal (triggers dropped, see Seed): rebuild the leaderboard aggregates the way a
// database from before them is backfilled at start.
var backfill = Stopwatch.StartNew();
await using (var db = await dbFactory.CreateDbContextAsync()) await LeaderboardAggregates.InstallAsync(db, CancellationToken.None);
Console.WriteLine($"leaderboard aggregates backfilled in {backfill.Elapsed.TotalSeconds:F1} s");
backfill.Restart();
await using (var db = await dbFactory.CreateDbContextAsync()) await LeaderboardBuckets.InstallAsync(db, CancellationToken.None);
Console.WriteLine($"leaderboard day/tag buckets backfilled in {backfill.Elapsed.TotalSeconds:F1} s");

var results = new List<(string What, string Value, string Target)>();
await using (var db = await dbFactory.CreateDbContextAsync())
{
    var leaderboard = await Timing.MedianAsync(() => db.LeaderboardAsync("xor-prelu", "loss/prelu", false, 0, 100, CancellationToken.None));
    results.Add(($"leaderboard page (100 rows) at {runs:N0} runs, median of 15", $"{leaderboard:F1} ms", "< 100 ms"));
    var approved = await Timing.MedianAsync(() => db.LeaderboardAsync("xor-prelu", "loss/prelu", false,
        new LeaderboardFilter(ApprovedOnly: true, Layers: null), 0, 100, CancellationToken.None));
    results.Add(($"leaderboard, default view (approved only)", $"{approved:F1} ms", "< 100 ms"));
    var fromRuns = await Timing.MedianAsync(() => db.LeaderboardFromRunsAsync("xor-prelu", "loss/prelu", false, LeaderboardFilter.None, 0, 100, CancellationToken.None));
    results.Add(($"leaderboard page computed from the runs (the query before the aggregates)", $"{fromRuns:F1} ms", "(reference)"));
    var filtered = await Timing.MedianAsync(() => db.LeaderboardAsync("xor-prelu", "success/prelu", true,
        new LeaderboardFilter(FinishedSince: DateTimeOffset.UtcNow.AddDays(-1)), 0, 100, CancellationToken.None));
    results.Add(($"leaderboard, maximised metric + date filter", $"{filtered:F1} ms", "< 100 ms"));
    results.AddRange(await FilterBench.RunAsync(db, runs, days));
    var list = await Timing.MedianAsync(() => db.Runs.AsNoTracking().OrderByDescending(r => r.Id).Take(200).ToListAsync());
    results.Add(($"run list page (200 newest) at {runs:N0} runs", $"{list:F1} ms", "< 100 ms"));
    var deep = await Timing.MedianAsync(() => db.Runs.AsNoTracking().OrderByDescending(r => r.Id).Skip(runs / 2).Take(200).ToListAsync());
    results.Add(($"run list page at offset {runs / 2:N0}", $"{deep:F1} ms", "< 100 ms"));
    // What the runs page (/) runs per render and per live refresh: one page of 50 plus the COUNT of all that match.
    var page = await Timing.MedianAsync(() => db.RunListPageAsync(new RunListFilter(), RunListSort.Id, true, 0, 50, CancellationToken.None));
    results.Add(($"runs page query (50 newest + total) at {runs:N0} runs", $"{page:F1} ms", "< 100 ms"));
    var pageDeep = await Timing.MedianAsync(() => db.RunListPageAsync(new RunListFilter(), RunListSort.Id, true, runs / 2, 50, CancellationToken.None));
    results.Add(($"runs page query at offset {runs / 2:N0}", $"{pageDeep:F1} ms", "< 100 ms"));
    var pageFiltered = await Timing.MedianAsync(() => db.RunListPageAsync(new RunListFilter(Status: LayerLab.Data.Runs.RunStatus.Succeeded, Experiment: "xor-prelu"),
        RunListSort.Progress, true, 0, 50, CancellationToken.None));
    results.Add(("runs page query, status + experiment filter, sorted by progress", $"{pageFiltered:F1} ms", "< 100 ms"));
    var pageSearch = await Timing.MedianAsync(() => db.RunListPageAsync(new RunListFilter(Search: "bench"), RunListSort.Id, true, 0, 50, CancellationToken.None));
    results.Add(("runs page query, text search (LIKE over every row)", $"{pageSearch:F1} ms", "< 100 ms"));
}

// The write cost of the buckets' triggers: runs completing and tags added, with and without them, interleaved.
await using (var db = await dbFactory.CreateDbContextAsync()) results.AddRange(await FilterBench.WriteCostAsync(db, runs / 1000));

// Points go to running runs (as in the portal): the 20 runs written to are put back to Running first.
await using (var db = await dbFactory.CreateDbContextAsync())
    await db.Database.ExecuteSqlRawAsync("UPDATE Runs SET Status = 'Running' WHERE Id <= 20");
var ingestion = app.Services.GetRequiredService<MetricIngestion>();
const int PointsPerBatch = 1000, Batches = 300;
// Interleaved halves without and with the buckets' triggers (the triggers only act on succeeded runs, so
// ingestion into running runs should not notice them).
var ingestTime = new Dictionary<bool, TimeSpan> { [false] = TimeSpan.Zero, [true] = TimeSpan.Zero };
for (var b = 0; b < Batches; b++)
{
    var withBuckets = b / 25 % 2 == 1;
    if (b % 25 == 0)
        await using (var db = await dbFactory.CreateDbContextAsync()) await FilterBench.SetBucketTriggersAsync(db, withBuckets);
    var watch = Stopwatch.StartNew();
    var samples = new MetricSample[PointsPerBatch];
    for (var i = 0; i < PointsPerBatch; i++) samples[i] = new MetricSample($"m{i % 10}", (b * 100L) + (i / 10), i * 0.001);
    await ingestion.EnqueueAsync(1 + (b % 20), samples, CancellationToken.None);
    if (b % 25 == 24) await ingestion.FlushAsync(CancellationToken.None);
    ingestTime[withBuckets] += watch.Elapsed;
}
await ingestion.FlushAsync(CancellationToken.None);
var rate = Batches * PointsPerBatch / (ingestTime[false] + ingestTime[true]).TotalSeconds;
results.Add(($"metric ingestion, 20 runs × 1,000-point batches, {Batches * PointsPerBatch:N0} points", $"{rate:N0} points/s", "≥ 100,000 points/s"));
results.Add(("metric ingestion without / with the buckets' triggers (interleaved halves)",
    $"{Batches / 2 * PointsPerBatch / ingestTime[false].TotalSeconds:N0} / {Batches / 2 * PointsPerBatch / ingestTime[true].TotalSeconds:N0} points/s", "no regression"));

await app.StopAsync();
SqliteConnection.ClearAllPools();
if (Environment.GetEnvironmentVariable("BENCH_KEEP_DB") is null) Directory.Delete(folder, recursive: true);
else Console.WriteLine($"kept {file}");
Console.WriteLine();
Console.WriteLine("| what | measured | target |");
Console.WriteLine("| --- | --- | --- |");
foreach (var (what, value, target) in results) Console.WriteLine($"| {what} | {value} | {target} |");

string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

internal static class Timing
{
    public static async Task<double> MedianAsync<T>(Func<Task<T>> action, int repeats = 15)
    {
        await action(); // warm-up: plan cache, page cache
        var times = new List<double>();
        for (var i = 0; i < repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            await action();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}

internal static class Seed
{
    /// <summary>Bulk-inserts runs and their latest-value rows in one transaction with prepared statements.</summary>
    /// <summary>Tags: "common" on 9 runs in 10, "rare" on 1 in 100.</summary>
    public static async Task RunsAsync(string file, int runs, double days)
    {
        await using var connection = new SqliteConnection($"Data Source={file}");
        await connection.OpenAsync();
        // A bulk load: without the leaderboard triggers (each insert would recompute its configuration); the
        // caller rebuilds the aggregates afterwards, as the portal's start does for an older database.
        await using (var drop = connection.CreateCommand())
        {
            drop.CommandText = LeaderboardAggregates.DropTriggersSql() + LeaderboardBuckets.DropTriggersSql();
            await drop.ExecuteNonQueryAsync();
        }
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync();
        var run = connection.CreateCommand();
        run.Transaction = tx;
        run.CommandText = """
            INSERT INTO Runs (Id, ExperimentKey, ParametersJson, Seed, Status, Progress, QueuedAt, StartedAt, FinishedAt, Attempt,
                              CancelRequested, Source, Device, SubmittedBy, SummaryJson, ReviewState)
            VALUES ($id, 'xor-prelu', $params, $seed, 'Succeeded', 1, $t, $t, $t2, 1, 0, 'Catalog', 'cpu', 'bench', $summary,
                    CASE $id % 3 WHEN 0 THEN 'Unreviewed' ELSE 'Approved' END)
            """;
        foreach (var name in new[] { "$id", "$params", "$seed", "$t", "$t2", "$summary" }) run.Parameters.Add(new SqliteParameter(name, null));
        var latest = connection.CreateCommand();
        latest.Transaction = tx;
        latest.CommandText = "INSERT INTO LatestMetrics (RunId, Key, Step, Value, Min, Max) VALUES ($run, $key, 300, $v, $min, $max)";
        foreach (var name in new[] { "$run", "$key", "$v", "$min", "$max" }) latest.Parameters.Add(new SqliteParameter(name, null));
        var tag = connection.CreateCommand();
        tag.Transaction = tx;
        tag.CommandText = "INSERT INTO RunTags (RunId, Tag) VALUES ($run, $tag)";
        foreach (var name in new[] { "$run", "$tag" }) tag.Parameters.Add(new SqliteParameter(name, null));
        var random = new Random(1);
        var now = DateTimeOffset.UtcNow.UtcTicks;
        var spacing = (long)(days * TimeSpan.TicksPerDay / runs);
        for (var id = 1; id <= runs; id++)
        {
            var config = id % 1000;
            run.Parameters[0].Value = id;
            run.Parameters[1].Value = $$"""{"lr_min":0.001,"lr_max":1,"lr_points":13,"epochs":{{300 + config}},"trials":100}""";
            run.Parameters[2].Value = id / 1000;
            run.Parameters[3].Value = now - (id * spacing) - 20_000_000L;
            run.Parameters[4].Value = now - (id * spacing);
            run.Parameters[5].Value = $$"""{"band_decades/prelu":{{random.NextDouble() * 3}},"param_count":3}""";
            await run.ExecuteNonQueryAsync();
            foreach (var key in new[] { "loss/prelu", "success/prelu", "loss/mlp" })
            {
                var v = random.NextDouble();
                latest.Parameters[0].Value = id; latest.Parameters[1].Value = key; latest.Parameters[2].Value = v;
                latest.Parameters[3].Value = v / 2; latest.Parameters[4].Value = Math.Min(1, v * 2);
                await latest.ExecuteNonQueryAsync();
            }
            foreach (var (name, share) in new[] { ("common", 90), ("rare", 1) })
            {
                if (id % 100 >= share) continue;
                tag.Parameters[0].Value = id; tag.Parameters[1].Value = name;
                await tag.ExecuteNonQueryAsync();
            }
        }
        await tx.CommitAsync();
        await using var analyze = connection.CreateCommand();
        analyze.CommandText = Environment.GetEnvironmentVariable("BENCH_EXTRA_SQL") ?? "ANALYZE;";
        await analyze.ExecuteNonQueryAsync();
    }
}
