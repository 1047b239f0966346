using System.Diagnostics;
using LayerLab.Data;
using LayerLab.Data.Leaderboard;
using Microsoft.EntityFrameworkCore;

/// <summary>
/// Leaderboard date and tag filters: before (the per-run query they used) and after (the day/tag buckets) timed
/// alternately in the same run, each checked to give the same rows; and the write cost of the buckets' triggers.
/// </summary>
internal static class FilterBench
{
    private const string Experiment = "xor-prelu", Metric = "loss/prelu";

    public static async Task<List<(string What, string Value, string Target)>> RunAsync(LabDbContext db, int runs, double days)
    {
        var now = DateTimeOffset.UtcNow;
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var cases = new (string Name, LeaderboardFilter Filter)[]
        {
            ("from/to, 7 whole days (day-aligned)", new(FinishedSince: today.AddDays(-7), FinishedBefore: today)),
            ("last 7 days (from now, not aligned)", new(FinishedSince: now.AddDays(-7))),
            ("last 1 day (from now, not aligned)", new(FinishedSince: now.AddDays(-1))),
            ("last 90 days (from now, not aligned)", new(FinishedSince: now.AddDays(-90))),
            ("tag on 90% of runs", new(Tag: "common")),
            ("tag on 1% of runs", new(Tag: "rare")),
            ("tag on 90% + last 7 days", new(Tag: "common", FinishedSince: now.AddDays(-7))),
            ("approved only + tag on 90% + from/to 7 days", new(ApprovedOnly: true, Tag: "common", FinishedSince: today.AddDays(-7), FinishedBefore: today)),
        };
        var results = new List<(string, string, string)>();
        foreach (var (name, filter) in cases)
        {
            var reference = await db.LeaderboardFromRunsAsync(Experiment, Metric, false, filter, 0, 100, CancellationToken.None);
            var buckets = await db.LeaderboardAsync(Experiment, Metric, false, filter, 0, 100, CancellationToken.None);
            if (!reference.Select(r => (r.ParametersJson, r.N)).SequenceEqual(buckets.Select(r => (r.ParametersJson, r.N))))
                throw new InvalidOperationException($"leaderboard {name}: the buckets disagree with the runs");
            var (before, after) = await InterleavedMediansAsync(
                () => db.LeaderboardFromRunsAsync(Experiment, Metric, false, filter, 0, 100, CancellationToken.None),
                () => db.LeaderboardAsync(Experiment, Metric, false, filter, 0, 100, CancellationToken.None));
            results.Add(($"leaderboard at {runs:N0} runs over {days:0.##} days, {name} (page: {reference.Count} rows of {reference.Sum(r => r.N):N0} runs): before (runs) / after (buckets)",
                $"{before:F1} / {after:F1} ms", "< 100 ms"));
        }
        // Why a second table instead of a day column in the aggregates: the default view summed over every day bucket.
        var (aggregates, allDays) = await InterleavedMediansAsync(
            () => db.LeaderboardFromAggregatesAsync(Experiment, Metric, false, LeaderboardFilter.None, 0, 100, CancellationToken.None),
            () => db.LeaderboardFromBucketsAsync(Experiment, Metric, false, new LeaderboardFilter(FinishedSince: DateTimeOffset.MinValue), 0, 100, CancellationToken.None));
        results.Add(("default view from the aggregates / summed over every day bucket (a day column in the aggregates' key)",
            $"{aggregates:F1} / {allDays:F1} ms", "≤ ~10 ms"));
        var rows = await db.LeaderboardBuckets.CountAsync();
        results.Add(("bucket rows (all runs per day + per tag per day + per tag over all days)", $"{rows:N0}", ""));
        return results;
    }

    /// <summary>Completing runs and tagging runs, without and with the buckets' triggers, alternating in blocks.</summary>
    public static async Task<List<(string What, string Value, string Target)>> WriteCostAsync(LabDbContext db, int seeds)
    {
        const int Runs = 400, Block = 25;
        var ids = await db.Runs.Where(r => r.Id > 1000).OrderBy(r => r.Id).Select(r => r.Id).Take(Runs).ToListAsync();
        await db.Database.ExecuteSqlAsync($"UPDATE Runs SET Status = 'Running' WHERE Id > 1000 AND Id <= {ids[^1]}");
        var complete = new Dictionary<bool, List<double>> { [false] = [], [true] = [], };
        var tag = new Dictionary<bool, List<double>> { [false] = [], [true] = [], };
        for (var i = 0; i < ids.Count; i++)
        {
            var withBuckets = i / Block % 2 == 1;
            if (i % Block == 0) await SetBucketTriggersAsync(db, withBuckets);
            var finished = DateTimeOffset.UtcNow.UtcTicks;
            var watch = Stopwatch.StartNew();
            await db.Database.ExecuteSqlAsync($"UPDATE Runs SET Status = 'Succeeded', FinishedAt = {finished} WHERE Id = {ids[i]}");
            complete[withBuckets].Add(watch.Elapsed.TotalMilliseconds);
            watch.Restart();
            await db.Database.ExecuteSqlAsync($"INSERT INTO RunTags (RunId, Tag) VALUES ({ids[i]}, 'bench-new')");
            tag[withBuckets].Add(watch.Elapsed.TotalMilliseconds);
        }
        await SetBucketTriggersAsync(db, true);
        return
        [
            ($"run completion (UPDATE Status, FinishedAt; {seeds} seeds per configuration), median of {Runs / 2} each: without / with the buckets' triggers",
                $"{Median(complete[false]):F2} / {Median(complete[true]):F2} ms", "small"),
            ($"tag added to a succeeded run, median of {Runs / 2} each: without / with the buckets' triggers",
                $"{Median(tag[false]):F2} / {Median(tag[true]):F2} ms", "small"),
        ];
    }

    /// <summary>Drops the buckets' triggers (the state before them) or installs them again (no backfill: the table has rows).</summary>
    public static async Task SetBucketTriggersAsync(LabDbContext db, bool on)
    {
        if (on) await LeaderboardBuckets.InstallAsync(db, CancellationToken.None);
        else await db.Database.ExecuteSqlRawAsync(LeaderboardBuckets.DropTriggersSql());
    }

    private static async Task<(double A, double B)> InterleavedMediansAsync<T>(Func<Task<T>> a, Func<Task<T>> b, int repeats = 15)
    {
        await a();
        await b();
        var (timesA, timesB) = (new List<double>(), new List<double>());
        for (var i = 0; i < repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            await a();
            timesA.Add(watch.Elapsed.TotalMilliseconds);
            watch.Restart();
            await b();
            timesB.Add(watch.Elapsed.TotalMilliseconds);
        }
        return (Median(timesA), Median(timesB));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
