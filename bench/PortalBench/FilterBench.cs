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
            var dated = filter.FinishedSince is not null || filter.FinishedBefore is not null;
            var medians = await InterleavedMediansAsync(
            [
                () => db.LeaderboardFromRunsAsync(Experiment, Metric, false, filter, 0, 100, CancellationToken.None),
                () => db.LeaderboardAsync(Experiment, Metric, false, filter, 0, 100, CancellationToken.None),
                .. dated
                    ? new Func<Task<List<LeaderboardRow>>>[]
                    {
                        () => db.LeaderboardFromBucketsAsync(Experiment, Metric, false, filter, 0, 100, CancellationToken.None, BucketPath.Buckets),
                        () => db.LeaderboardFromBucketsAsync(Experiment, Metric, false, filter, 0, 100, CancellationToken.None, BucketPath.Runs),
                    }
                    : [],
            ]);
            results.Add(($"leaderboard at {runs:N0} runs over {days:0.##} days, {name} (page: {reference.Count} rows of {reference.Sum(r => r.N):N0} runs): before (all runs) / after (page){(dated ? " [day buckets + edges / runs by finish time, forced]" : "")}",
                $"{medians[0]:F1} / **{medians[1]:F1}**{(dated ? $" [{medians[2]:F1} / {medians[3]:F1}]" : "")} ms", "< 100 ms"));
        }
        // Why a second table instead of a day column in the aggregates: the default view summed over every day bucket.
        var defaults = await InterleavedMediansAsync(
        [
            () => db.LeaderboardFromAggregatesAsync(Experiment, Metric, false, LeaderboardFilter.None, 0, 100, CancellationToken.None),
            () => db.LeaderboardFromBucketsAsync(Experiment, Metric, false, new LeaderboardFilter(FinishedSince: DateTimeOffset.MinValue), 0, 100,
                CancellationToken.None, BucketPath.Buckets),
        ]);
        results.Add(("default view from the aggregates / summed over every day bucket (a day column in the aggregates' key)",
            $"{defaults[0]:F1} / {defaults[1]:F1} ms", "≤ ~10 ms"));
        var rows = await db.LeaderboardBuckets.CountAsync();
        results.Add(("bucket rows (all runs per day + per tag per day + per tag over all days)", $"{rows:N0}", ""));
        return results;
    }

    /// <summary>Completing runs and tagging runs, without and with the buckets' triggers, alternating in blocks.</summary>
    public static async Task<List<(string What, string Value, string Target)>> WriteCostAsync(LabDbContext db, int seeds)
    {
        const int Runs = 400, Block = 5; // short blocks: the untagged runs (1 in 10, ten in a row) fall in both modes
        var ids = await db.Runs.Where(r => r.Id > 1000).OrderBy(r => r.Id).Select(r => r.Id).Take(Runs).ToListAsync();
        await db.Database.ExecuteSqlAsync($"UPDATE Runs SET Status = 'Running' WHERE Id > 1000 AND Id <= {ids[^1]}");
        // Keyed by (with the buckets' triggers, the run carries a tag): an untagged run's change touches no tag roll-up.
        var complete = new Dictionary<(bool, bool), List<double>> { [(false, false)] = [], [(false, true)] = [], [(true, false)] = [], [(true, true)] = [] };
        var tag = new Dictionary<bool, List<double>> { [false] = [], [true] = [], };
        for (var i = 0; i < ids.Count; i++)
        {
            var withBuckets = i / Block % 2 == 1;
            if (i % Block == 0) await SetBucketTriggersAsync(db, withBuckets);
            var finished = DateTimeOffset.UtcNow.UtcTicks;
            var watch = Stopwatch.StartNew();
            await db.Database.ExecuteSqlAsync($"UPDATE Runs SET Status = 'Succeeded', FinishedAt = {finished} WHERE Id = {ids[i]}");
            complete[(withBuckets, ids[i] % 100 < 90)].Add(watch.Elapsed.TotalMilliseconds); // the seed's "common" tag
            watch.Restart();
            await db.Database.ExecuteSqlAsync($"INSERT INTO RunTags (RunId, Tag) VALUES ({ids[i]}, 'bench-new')");
            tag[withBuckets].Add(watch.Elapsed.TotalMilliseconds);
        }
        await SetBucketTriggersAsync(db, true);
        return
        [
            ($"tagged run completion (UPDATE Status, FinishedAt; {seeds} seeds per configuration, 9 in 10 tagged), median of {complete[(true, true)].Count} each: without / with the buckets' triggers",
                $"{Median(complete[(false, true)]):F2} / {Median(complete[(true, true)]):F2} ms", "small"),
            ($"untagged run completion, median of {complete[(true, false)].Count} each: without / with the buckets' triggers",
                $"{Median(complete[(false, false)]):F2} / {Median(complete[(true, false)]):F2} ms", "small"),
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

    private static async Task<double[]> InterleavedMediansAsync<T>(Func<Task<T>>[] actions, int repeats = 15)
    {
        foreach (var action in actions) await action(); // warm-up: plan cache, page cache
        var times = actions.Select(_ => new List<double>()).ToArray();
        for (var i = 0; i < repeats; i++)
        {
            for (var a = 0; a < actions.Length; a++)
            {
                var watch = Stopwatch.StartNew();
                await actions[a]();
                times[a].Add(watch.Elapsed.TotalMilliseconds);
            }
        }
        return times.Select(Median).ToArray();
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
