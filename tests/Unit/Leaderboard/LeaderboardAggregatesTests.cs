using LayerLab.Data;
using LayerLab.Data.Leaderboard;
using LayerLab.Data.Metrics;
using LayerLab.Data.Review;
using LayerLab.Data.Runs;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Tests.Unit.Leaderboard;

/// <summary>
/// The pre-aggregated leaderboard (kept by triggers) against the per-run query, on a real SQLite file: random runs,
/// then random changes through every path the triggers watch, compared after each step; and hand-computed sums.
/// </summary>
public sealed class LeaderboardAggregatesTests : IAsyncLifetime
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"lb-agg-{Guid.NewGuid():N}.db");
    private LabDbContext _db = null!;

    public async Task InitializeAsync()
    {
        _db = new LabDbContext(new DbContextOptionsBuilder<LabDbContext>().UseSqlite($"Data Source={_file}").Options);
        await SqliteSetup.MigrateAsync(_db, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        SqliteConnection.ClearAllPools();
        File.Delete(_file);
    }

    [Fact]
    public async Task Sums_per_configuration_and_review_state_match_hand_computed_values()
    {
        // Config {"layers":1}: runs with loss minima 1, 2, 4 (maxima +10); run 3 approved; run 4 a reproduction (excluded).
        Add(1, """{"layers":1}""", RunStatus.Succeeded, 1, ReviewState.Unreviewed);
        Add(2, """{"layers":1}""", RunStatus.Succeeded, 2, ReviewState.Unreviewed);
        Add(3, """{"layers":1}""", RunStatus.Succeeded, 4, ReviewState.Approved);
        Add(4, """{"layers":1}""", RunStatus.Succeeded, 100, ReviewState.Approved, reproduces: 3);
        Add(5, """{"layers":1}""", RunStatus.Running, 100, ReviewState.Unreviewed);
        await _db.SaveChangesAsync();

        var unreviewed = await _db.LeaderboardAggregates.AsNoTracking()
            .SingleAsync(a => a.MetricKey == "loss" && a.ReviewState == "Unreviewed");
        Assert.Equal(2, unreviewed.N);
        Assert.Equal(1 + 2, unreviewed.SumMin);
        Assert.Equal(1 + 4, unreviewed.SumSqMin);
        Assert.Equal(11 + 12, unreviewed.SumMax);
        Assert.Equal((11 * 11) + (12 * 12), unreviewed.SumSqMax);
        Assert.Equal((1, 2, 11, 12), (unreviewed.MinOfMin, unreviewed.MaxOfMin, unreviewed.MinOfMax, unreviewed.MaxOfMax));
        Assert.Equal(2, unreviewed.TimedN);
        Assert.Equal(2 * 3.0, unreviewed.SumSeconds!.Value, 9);
        Assert.Equal(2, unreviewed.LatestRunId);
        Assert.Equal(1200, unreviewed.ParameterCount); // 100 × the length of the parameters' JSON (see Add)
        var approved = await _db.LeaderboardAggregates.AsNoTracking().SingleAsync(a => a.MetricKey == "loss" && a.ReviewState == "Approved");
        Assert.Equal((1, 4.0, 16.0), (approved.N, approved.SumMin, approved.SumSqMin));
        // Summary-only metric: one row per state from the summary value (10 × minimum).
        Assert.Equal(30, (await _db.LeaderboardAggregates.AsNoTracking().SingleAsync(a => a.MetricKey == "band" && a.ReviewState == "Unreviewed")).SumMin);

        // Approving run 1 moves it between rows; the page sums both states: mean of 1, 2, 4 = 7/3.
        await _db.Runs.Where(r => r.Id == 1).ExecuteUpdateAsync(s => s.SetProperty(r => r.ReviewState, ReviewState.Approved));
        approved = await _db.LeaderboardAggregates.AsNoTracking().SingleAsync(a => a.MetricKey == "loss" && a.ReviewState == "Approved");
        Assert.Equal((2, 5.0, 17.0), (approved.N, approved.SumMin, approved.SumSqMin));
        var row = Assert.Single(await _db.LeaderboardFromAggregatesAsync("exp", "loss", false, LeaderboardFilter.None, 0, 10, CancellationToken.None));
        Assert.Equal(3, row.N);
        Assert.Equal(7.0 / 3, row.Mean, 12);
        Assert.Equal(Math.Sqrt((1 + 4 + 16 - (3 * 49.0 / 9)) / 2), row.StdDev, 12);
        Assert.Equal("Approved,Unreviewed", row.ReviewStates);

        // The run that was running completes: it joins its configuration.
        await _db.Runs.Where(r => r.Id == 5).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Succeeded));
        row = Assert.Single(await _db.LeaderboardFromAggregatesAsync("exp", "loss", false, LeaderboardFilter.None, 0, 10, CancellationToken.None));
        Assert.Equal(4, row.N);
        Assert.Equal(100, row.Worst);
    }

    [Fact]
    public async Task Aggregated_leaderboard_equals_the_per_run_query_on_random_data_through_every_change()
    {
        var random = new Random(20261122);
        var configs = Enumerable.Range(0, 12).Select(i => $$"""{"layers":{{1 + (i % 3)}},"width":{{16 << (i % 4)}}}""").ToArray();
        var statuses = new[] { RunStatus.Succeeded, RunStatus.Succeeded, RunStatus.Succeeded, RunStatus.Failed, RunStatus.Running };
        var states = Enum.GetValues<ReviewState>();
        for (var id = 1; id <= 300; id++)
        {
            var min = random.NextDouble();
            Add(id, configs[random.Next(configs.Length)], statuses[random.Next(statuses.Length)], min, states[random.Next(states.Length)],
                reproduces: random.Next(20) == 0 ? 1 : null, withLoss: random.Next(10) != 0, device: random.Next(2) == 0 ? "cpu" : "cuda");
        }
        await _db.SaveChangesAsync();
        await AssertSameAsync();

        // Changes through every path the triggers watch.
        for (var step = 0; step < 40; step++)
        {
            var id = random.Next(1, 301);
            switch (step % 6)
            {
                case 0:
                    await _db.Runs.Where(r => r.Id == id).ExecuteUpdateAsync(s => s.SetProperty(r => r.ReviewState, states[random.Next(states.Length)]));
                    break;
                case 1:
                    await _db.Runs.Where(r => r.Id == id).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Succeeded));
                    break;
                case 2:
                    await _db.Runs.Where(r => r.Id == id).ExecuteUpdateAsync(s => s.SetProperty(r => r.Reproduction, "Reproduced"));
                    break;
                case 3:
                    await _db.LatestMetrics.Where(m => m.RunId == id && m.Key == "loss").ExecuteUpdateAsync(s => s.SetProperty(m => m.Min, -1.0));
                    break;
                case 4:
                    await _db.Runs.Where(r => r.Id == id).ExecuteDeleteAsync();
                    break;
                default:
                    await _db.Runs.Where(r => r.Id == id).ExecuteUpdateAsync(s => s.SetProperty(r => r.ParametersJson, configs[random.Next(configs.Length)]));
                    break;
            }
        }
        await AssertSameAsync();

        // A rebuild from scratch (the start-up backfill) gives the same rows as the triggers kept.
        var kept = await _db.LeaderboardAggregates.AsNoTracking().OrderBy(a => a.ParametersJson).ThenBy(a => a.MetricKey).ThenBy(a => a.ReviewState).ToListAsync();
        await LeaderboardAggregates.RebuildAsync(_db, CancellationToken.None);
        var rebuilt = await _db.LeaderboardAggregates.AsNoTracking().OrderBy(a => a.ParametersJson).ThenBy(a => a.MetricKey).ThenBy(a => a.ReviewState).ToListAsync();
        Assert.Equal(kept.Select(a => (a.ParametersJson, a.MetricKey, a.ReviewState, a.N, a.LatestRunId)),
                     rebuilt.Select(a => (a.ParametersJson, a.MetricKey, a.ReviewState, a.N, a.LatestRunId)));
    }

    [Fact]
    public async Task Date_and_tag_filters_from_buckets_equal_the_per_run_query_on_random_data_through_every_change()
    {
        var random = new Random(20261123);
        var configs = Enumerable.Range(0, 8).Select(i => $$"""{"layers":{{1 + (i % 3)}},"width":{{16 << (i % 4)}}}""").ToArray();
        var statuses = new[] { RunStatus.Succeeded, RunStatus.Succeeded, RunStatus.Succeeded, RunStatus.Failed, RunStatus.Running };
        var states = Enum.GetValues<ReviewState>();
        var tags = new[] { "common", "mid", "rare" };
        // Finish times spread over ~12 days at random hours and minutes, so ranges cut days in every way; some unknown.
        var origin = new DateTimeOffset(2026, 11, 10, 0, 0, 0, TimeSpan.Zero);
        DateTimeOffset? RandomFinish() => random.Next(30) == 0 ? null : origin.AddMinutes(random.Next(12 * 24 * 60));
        for (var id = 1; id <= 400; id++)
        {
            Add(id, configs[random.Next(configs.Length)], statuses[random.Next(statuses.Length)], random.NextDouble(), states[random.Next(states.Length)],
                reproduces: random.Next(25) == 0 ? 1 : null, withLoss: random.Next(10) != 0, device: random.Next(2) == 0 ? "cpu" : "cuda",
                finished: origin.AddMinutes(random.Next(12 * 24 * 60)));
            if (random.Next(10) < 7) _db.RunTags.Add(new RunTag { RunId = id, Tag = "common" });
            if (random.Next(10) < 3) _db.RunTags.Add(new RunTag { RunId = id, Tag = "mid" });
            if (random.Next(20) == 0) _db.RunTags.Add(new RunTag { RunId = id, Tag = "rare" });
        }
        await _db.SaveChangesAsync();
        _db.ChangeTracker.Clear();
        await _db.Runs.Where(r => r.Id % 37 == 0).ExecuteUpdateAsync(s => s.SetProperty(r => r.FinishedAt, (DateTimeOffset?)null));
        await AssertFiltersSameAsync(random, origin);

        for (var step = 0; step < 60; step++)
        {
            var id = random.Next(1, 401);
            var tag = tags[random.Next(tags.Length)];
            switch (step % 9)
            {
                case 0:
                    await _db.Runs.Where(r => r.Id == id).ExecuteUpdateAsync(s => s.SetProperty(r => r.ReviewState, states[random.Next(states.Length)]));
                    break;
                case 1:
                    await _db.Runs.Where(r => r.Id == id).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Succeeded));
                    break;
                case 2: // a tag added
                    if (!await _db.RunTags.AnyAsync(t => t.RunId == id && t.Tag == tag) && await _db.Runs.AnyAsync(r => r.Id == id))
                        await _db.Database.ExecuteSqlAsync($"INSERT INTO RunTags (RunId, Tag) VALUES ({id}, {tag})");
                    break;
                case 3: // a tag removed
                    await _db.RunTags.Where(t => t.RunId == id && t.Tag == tag).ExecuteDeleteAsync();
                    break;
                case 4:
                    await _db.LatestMetrics.Where(m => m.RunId == id && m.Key == "loss").ExecuteUpdateAsync(s => s.SetProperty(m => m.Min, -1.0));
                    break;
                case 5:
                    await _db.Runs.Where(r => r.Id == id).ExecuteDeleteAsync();
                    break;
                case 6: // finished on another day (or the finish time forgotten)
                    var finished = RandomFinish();
                    await _db.Runs.Where(r => r.Id == id).ExecuteUpdateAsync(s => s.SetProperty(r => r.FinishedAt, finished));
                    break;
                case 7:
                    await _db.Runs.Where(r => r.Id == id).ExecuteUpdateAsync(s => s.SetProperty(r => r.Reproduction, "NotReproduced"));
                    break;
                default:
                    await _db.Runs.Where(r => r.Id == id).ExecuteUpdateAsync(s => s.SetProperty(r => r.ParametersJson, configs[random.Next(configs.Length)]));
                    break;
            }
            if (step % 10 == 9) await AssertFiltersSameAsync(random, origin);
        }

        // A rebuild from scratch (the start-up backfill) gives the same buckets as the triggers kept.
        var kept = await BucketsAsync();
        await LeaderboardBuckets.RebuildAsync(_db, CancellationToken.None);
        var rebuilt = await BucketsAsync();
        Assert.NotEmpty(kept);
        Assert.Equal(kept, rebuilt);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(0L, 10L)]
    [InlineData(5L, 5L)]
    public void A_date_range_splits_into_whole_days_and_partial_edges_that_cover_it_exactly(long? sinceHours, long? beforeHours)
    {
        // Every tick of [since, before) lies in exactly one part: a whole bucket day or an edge.
        const long hour = TimeSpan.TicksPerHour, day = TimeSpan.TicksPerDay;
        var baseTicks = new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero).UtcTicks;
        foreach (var (sinceOffset, beforeOffset) in new (long, long)[] { (0, 0), (1, 0), (0, 47), (13, 5 * 24), (25, 23), (30, 30 - 24) })
        {
            var since = sinceHours is null ? (long?)null : baseTicks + ((sinceHours.Value + sinceOffset) * hour);
            var before = beforeHours is null ? (long?)null : baseTicks + ((beforeHours.Value + beforeOffset) * hour) + (beforeOffset * 7);
            var plan = BucketPlan.For(since, before);
            for (var t = baseTicks - (3 * day); t < baseTicks + (9 * day); t += hour / 2)
            {
                var inRange = (since is null || t >= since) && (before is null || t < before);
                var inDays = plan.DayFrom <= t / day && t / day < plan.DayTo;
                var inEdges = (plan.Edge1.From <= t && t < plan.Edge1.To) || (plan.Edge2.From <= t && t < plan.Edge2.To);
                Assert.False(inDays && inEdges, $"tick {t} counted twice for [{since}, {before})");
                Assert.Equal(inRange, inDays || inEdges);
            }
        }
    }

    // The lists are concatenated in whatever order SQLite read the runs; the page sorts them.
    private static string Sorted(string list) => string.Join(",", list.Split(',').Order(StringComparer.Ordinal));

    private async Task<List<string>> BucketsAsync() =>
        (await _db.LeaderboardBuckets.AsNoTracking().ToListAsync())
        .Select(b => string.Join("|", b.ParametersJson, b.MetricKey, b.Tag, b.Day, b.ReviewState, b.N, b.LatestRunId, b.TimedN,
            Sorted(b.Devices), Sorted(b.Submitters), b.Reproduced, b.NotReproduced,
            Math.Round(b.SumMin, 9).ToString(System.Globalization.CultureInfo.InvariantCulture)))
        .Order(StringComparer.Ordinal).ToList();

    /// <summary>The routed leaderboard (buckets) against the per-run reference for random aligned and unaligned ranges and tags.</summary>
    private async Task AssertFiltersSameAsync(Random random, DateTimeOffset origin)
    {
        DateTimeOffset Aligned(int day) => origin.AddDays(day);
        DateTimeOffset Unaligned(int day) => origin.AddDays(day).AddMinutes(random.Next(1, 24 * 60)).AddTicks(random.Next(10_000));
        var ranges = new List<(DateTimeOffset? Since, DateTimeOffset? Before)>
        {
            (null, null), (Aligned(3), Aligned(8)), (Unaligned(2), Unaligned(9)), (Unaligned(4), null), (null, Unaligned(6)),
            (Aligned(5), null), (Unaligned(5), Unaligned(5).AddHours(3)), (Aligned(1), Unaligned(1)), (Unaligned(7), Aligned(10)),
            (origin.AddDays(12).AddHours(-7 * 24).AddMinutes(17), null), // "last 7 days" from a time of day
            (Aligned(9), Aligned(3)), // empty
        };
        foreach (var (since, before) in ranges)
        foreach (var tag in new string?[] { null, "common", "rare", "none" })
        {
            if (since is null && before is null && tag is null) continue; // the default view: the aggregates' test
            foreach (var filter in new[]
            {
                new LeaderboardFilter(FinishedSince: since, FinishedBefore: before, Tag: tag),
                new LeaderboardFilter(FinishedSince: since, FinishedBefore: before, Tag: tag, ApprovedOnly: true, Layers: 2),
                new LeaderboardFilter(FinishedSince: since, FinishedBefore: before, Tag: tag, MaxParameters: 2000,
                    ReviewStates: [ReviewState.Rejected, ReviewState.Unreviewed]),
            })
            foreach (var (metric, maximize) in new[] { ("loss", false), ("loss", true), ("band", true) })
            {
                var expected = await _db.LeaderboardFromRunsAsync("exp", metric, maximize, filter, 0, 500, CancellationToken.None);
                AssertRowsEqual(expected, await _db.LeaderboardAsync("exp", metric, maximize, filter, 0, 500, CancellationToken.None),
                    $"{filter} {metric} {maximize}");
                // Both ways of reading a range, whichever the page would pick on this data.
                foreach (var path in new[] { BucketPath.Buckets, BucketPath.Runs })
                    AssertRowsEqual(expected, await _db.LeaderboardFromBucketsAsync("exp", metric, maximize, filter, 0, 500, CancellationToken.None, path),
                        $"{filter} {metric} {maximize} {path}");
            }
        }
    }

    private static void AssertRowsEqual(List<LeaderboardRow> expected, List<LeaderboardRow> actual, string what)
    {
        Assert.True(expected.Select(r => r.ParametersJson).SequenceEqual(actual.Select(r => r.ParametersJson)),
            $"{what}: expected [{string.Join(" ", expected.Select(r => $"{r.ParametersJson}:{r.N}"))}] got [{string.Join(" ", actual.Select(r => $"{r.ParametersJson}:{r.N}"))}]");
        foreach (var (e, a) in expected.Zip(actual))
        {
            Assert.Equal((e.N, e.LatestRunId, e.Devices, e.Submitters, e.ParameterCount, e.Reproduced, e.NotReproduced, e.ReviewStates),
                         (a.N, a.LatestRunId, a.Devices, a.Submitters, a.ParameterCount, a.Reproduced, a.NotReproduced, a.ReviewStates));
            Assert.Equal(e.Mean, a.Mean, 10);
            Assert.Equal(e.StdDev, a.StdDev, 8);
            Assert.Equal((e.Best, e.Worst), (a.Best, a.Worst));
            Assert.Equal(e.MeanSeconds, a.MeanSeconds, 9);
        }
    }

    private async Task AssertSameAsync()
    {
        var filters = new[]
        {
            LeaderboardFilter.None, new LeaderboardFilter(ApprovedOnly: true), new LeaderboardFilter(Layers: 2),
            new LeaderboardFilter(MaxParameters: 5000), new LeaderboardFilter(ReviewStates: [ReviewState.Rejected, ReviewState.Unreviewed]),
        };
        foreach (var filter in filters)
        foreach (var (metric, maximize) in new[] { ("loss", false), ("loss", true), ("band", true) })
        {
            var expected = await _db.LeaderboardFromRunsAsync("exp", metric, maximize, filter, 0, 500, CancellationToken.None);
            var actual = await _db.LeaderboardFromAggregatesAsync("exp", metric, maximize, filter, 0, 500, CancellationToken.None);
            Assert.NotEmpty(expected);
            Assert.Equal(expected.Select(r => r.ParametersJson), actual.Select(r => r.ParametersJson));
            foreach (var (e, a) in expected.Zip(actual))
            {
                Assert.Equal((e.N, e.LatestRunId, e.Devices, e.Submitters, e.ParameterCount, e.Reproduced, e.NotReproduced, e.ReviewStates),
                             (a.N, a.LatestRunId, a.Devices, a.Submitters, a.ParameterCount, a.Reproduced, a.NotReproduced, a.ReviewStates));
                Assert.Equal(e.Mean, a.Mean, 10);
                Assert.Equal(e.StdDev, a.StdDev, 8);
                Assert.Equal((e.Best, e.Worst), (a.Best, a.Worst));
                Assert.Equal(e.MeanSeconds, a.MeanSeconds, 9);
            }
        }
    }

    private void Add(long id, string parameters, RunStatus status, double min, ReviewState state,
        long? reproduces = null, bool withLoss = true, string device = "cpu", DateTimeOffset? finished = null)
    {
        var start = finished?.AddSeconds(-3) ?? DateTimeOffset.UtcNow.AddMinutes(-id);
        _db.Runs.Add(new Run
        {
            Id = id, ExperimentKey = "exp", ParametersJson = parameters, Status = status, QueuedAt = start, StartedAt = start,
            FinishedAt = start.AddSeconds(3), Device = device, SubmittedBy = id % 3 == 0 ? "bo" : "ann",
            ReviewState = state, ReproducesRunId = reproduces,
            SummaryJson = $$"""{"band": {{min * 10}}, "param_count": {{parameters.Length * 100}}}""",
        });
        if (withLoss) _db.LatestMetrics.Add(new LatestMetric { RunId = id, Key = "loss", Step = 10, Value = min, Min = min, Max = min + 10 });
    }
}
