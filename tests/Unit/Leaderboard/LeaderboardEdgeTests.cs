using LayerLab.Data;
using LayerLab.Data.Datasets;
using LayerLab.Data.Leaderboard;
using LayerLab.Data.Metrics;
using LayerLab.Data.Review;
using LayerLab.Data.Runs;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Tests.Unit.Leaderboard;

/// <summary>
/// The leaderboard's edges on a real SQLite file with a few hand-made runs: datasets (the hash filter on every path,
/// the hash list and its labels, references per hash), paging bounds, untimed runs, the knob name's refusal.
/// </summary>
public sealed class LeaderboardEdgeTests : MigratedFileTest
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly DateTimeOffset Day = new(2026, 11, 10, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Finished = Day.AddHours(12);

    protected override async Task SeedAsync()
    {
        // Versions 1 and 3 hold the same bytes ("aaa"); version 9 ("ccc") was deleted after its run.
        foreach (var (id, name, version, sha) in new[] { (1L, "tiny", 1, "aaa"), (2L, "tiny", 2, "bbb"), (3L, "copy", 1, "aaa") })
            Db.Datasets.Add(new Dataset { Id = id, Name = name, Version = version, Kind = "text", Sha256 = sha, Licence = "CC0", Source = "test" });
        // run id, dataset id, hash, loss minimum, status, reference value
        foreach (var (id, dataset, sha, loss, status, reference) in new[]
        {
            (1L, 1L, "aaa", 1.0, RunStatus.Succeeded, 0.5), (2L, 1L, "aaa", 3.0, RunStatus.Succeeded, (double?)null),
            (3L, 2L, "bbb", 2.0, RunStatus.Succeeded, 0.7), (4L, 9L, "ccc", 5.0, RunStatus.Succeeded, null),
            (5L, 2L, "bbb", 0.1, RunStatus.Failed, 0.1),
        })
        {
            Db.Runs.Add(new Run
            {
                Id = id, ExperimentKey = "lm", ParametersJson = $$"""{"dataset":{{dataset}}}""", Status = status, DatasetId = dataset, DatasetSha256 = sha,
                QueuedAt = Finished, StartedAt = Finished.AddSeconds(-4), FinishedAt = Finished, Device = "cpu", SubmittedBy = "ann",
                ReferencesJson = reference is { } v ? $$"""[{"MetricKey":"loss","Label":"unigram","Value":{{v}}}]""" : null,
            });
            Db.LatestMetrics.Add(new LatestMetric { RunId = id, Key = "loss", Step = 10, Value = loss, Min = loss, Max = loss + 1 });
        }
        await Db.SaveChangesAsync();
    }

    [Fact]
    public async Task The_dataset_filter_keeps_the_runs_on_that_hash_on_every_path()
    {
        var filter = new LeaderboardFilter(DatasetSha256: "aaa");
        var paths = new (string Name, Func<Task<List<LeaderboardRow>>> Query)[]
        {
            ("sums", () => Db.LeaderboardAsync("lm", "loss", false, filter, 0, 10, Ct)),
            ("runs", () => Db.LeaderboardFromRunsAsync("lm", "loss", false, filter, 0, 10, Ct)),
            ("day buckets", () => Db.LeaderboardFromBucketsAsync("lm", "loss", false,
                filter with { FinishedSince = Day.AddDays(-1), FinishedBefore = Day.AddDays(2) }, 0, 10, Ct, BucketPath.Buckets)),
            ("edge runs", () => Db.LeaderboardFromBucketsAsync("lm", "loss", false,
                filter with { FinishedSince = Finished.AddHours(-1), FinishedBefore = Finished.AddHours(1) }, 0, 10, Ct, BucketPath.Runs)),
        };
        foreach (var (name, query) in paths)
        {
            var row = Assert.Single(await query());
            Assert.True(("""{"dataset":1}""", 2, 2.0) == (row.ParametersJson, row.N, row.Mean), $"{name}: {row}");
        }
        Assert.Equal(3, (await Db.LeaderboardAsync("lm", "loss", false, LeaderboardFilter.None, 0, 10, Ct)).Count);
        Assert.Empty(await Db.LeaderboardAsync("lm", "loss", false, new LeaderboardFilter(DatasetSha256: "ddd"), 0, 10, Ct));
    }

    [Fact]
    public async Task Datasets_are_listed_most_used_first_with_the_oldest_versions_name_or_none()
    {
        var datasets = await Db.LeaderboardDatasetsAsync("lm", Ct);
        Assert.Equal(
            [new LeaderboardDataset("aaa", 2, "tiny v1"), new LeaderboardDataset("bbb", 1, "tiny v2"), new LeaderboardDataset("ccc", 1, null)],
            datasets);
        Assert.Empty(await Db.LeaderboardDatasetsAsync("other", Ct));
        Assert.Equal("db", (await Assert.ThrowsAsync<ArgumentNullException>(() => ((LabDbContext)null!).LeaderboardDatasetsAsync("lm", Ct))).ParamName);
    }

    [Fact]
    public async Task References_average_over_succeeded_runs_and_narrow_to_one_hash()
    {
        var all = Assert.Single(await Db.LeaderboardReferencesAsync("lm", "loss", Ct));
        Assert.Equal(("unigram", 2), (all.Label, all.Runs)); // the failed run's 0.1 is not in it
        Assert.Equal(0.6, all.Value, 12);
        Assert.Equal(new LeaderboardReference("unigram", 0.5, 1), Assert.Single(await Db.LeaderboardReferencesAsync("lm", "loss", Ct, "aaa")));
        Assert.Empty(await Db.LeaderboardReferencesAsync("lm", "acc", Ct));
        Assert.Equal("db", (await Assert.ThrowsAsync<ArgumentNullException>(() => ((LabDbContext)null!).LeaderboardReferencesAsync("lm", "loss", Ct))).ParamName);
    }

    [Fact]
    public async Task Pages_skip_and_take_with_a_negative_skip_read_from_the_start_and_take_at_least_one()
    {
        async Task<string[]> Page(int skip, int take) =>
            [.. (await Db.LeaderboardAsync("lm", "loss", false, LeaderboardFilter.None, skip, take, Ct)).Select(r => r.ParametersJson)];
        const string One = """{"dataset":1}""", Two = """{"dataset":2}""", Nine = """{"dataset":9}""";
        Assert.Equal([One, Two, Nine], await Page(0, 10)); // means 2 (two seeds: first on the tie), 2, 5
        Assert.Equal([Two], await Page(1, 1));
        Assert.Equal([One, Two], await Page(-4, 2));
        Assert.Equal([One], await Page(0, 0));
        Assert.Equal([Nine], await Page(2, -1));
    }

    [Fact]
    public async Task A_configuration_without_timed_runs_has_no_mean_duration_and_a_single_seed_no_interval()
    {
        await Db.Runs.Where(r => r.Id == 4).ExecuteUpdateAsync(s => s.SetProperty(r => r.StartedAt, (DateTimeOffset?)null));
        foreach (var rows in new[]
        {
            await Db.LeaderboardAsync("lm", "loss", false, LeaderboardFilter.None, 0, 10, Ct),
            await Db.LeaderboardFromRunsAsync("lm", "loss", false, LeaderboardFilter.None, 0, 10, Ct),
        })
        {
            var untimed = rows.Single(r => r.LatestRunId == 4);
            Assert.Equal((0.0, 1, (double?)null), (untimed.MeanSeconds, untimed.N, untimed.Ci95));
            Assert.Equal(4.0, rows.Single(r => r.LatestRunId == 2).MeanSeconds, 9);
        }
    }

    [Fact]
    public async Task A_knob_that_is_not_a_plain_member_is_refused_naming_the_filter_and_the_knob()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() =>
            Db.LeaderboardAsync("lm", "loss", false, new LeaderboardFilter(Layers: 1, LayersKnob: "a.b"), 0, 10, Ct));
        Assert.Equal("filter", ex.ParamName);
        Assert.StartsWith("'a.b' is not a parameter name.", ex.Message, StringComparison.Ordinal);
        Assert.Equal("filter", (await Assert.ThrowsAsync<ArgumentNullException>(() =>
            Db.LeaderboardAsync("lm", "loss", false, null!, 0, 10, Ct))).ParamName);
        Assert.Equal("db", (await Assert.ThrowsAsync<ArgumentNullException>(() =>
            ((LabDbContext)null!).LeaderboardFromRunsAsync("lm", "loss", false, LeaderboardFilter.None, 0, 10, Ct))).ParamName);
        Assert.Equal("filter", (await Assert.ThrowsAsync<ArgumentNullException>(() =>
            Db.LeaderboardFromRunsAsync("lm", "loss", false, null!, 0, 10, Ct))).ParamName);
        Assert.Equal("db", (await Assert.ThrowsAsync<ArgumentNullException>(() =>
            ((LabDbContext)null!).LeaderboardFromAggregatesAsync("lm", "loss", false, LeaderboardFilter.None, 0, 10, Ct))).ParamName);
        Assert.Equal("filter", (await Assert.ThrowsAsync<ArgumentNullException>(() =>
            Db.LeaderboardFromAggregatesAsync("lm", "loss", false, null!, 0, 10, Ct))).ParamName);
        Assert.Equal("db", (await Assert.ThrowsAsync<ArgumentNullException>(() =>
            ((LabDbContext)null!).LeaderboardFromBucketsAsync("lm", "loss", false, LeaderboardFilter.None, 0, 10, Ct))).ParamName);
        Assert.Equal("filter", (await Assert.ThrowsAsync<ArgumentNullException>(() =>
            Db.LeaderboardFromBucketsAsync("lm", "loss", false, null!, 0, 10, Ct))).ParamName);
    }

    [Fact]
    public async Task Install_backfills_empty_tables_once_and_a_restart_keeps_the_rows()
    {
        // A file whose triggers were dropped (a bulk load) and whose sums were never computed.
        var bulkLoad = LeaderboardAggregates.DropTriggersSql() + LeaderboardBuckets.DropTriggersSql()
                       + "DELETE FROM LeaderboardAggregates; DELETE FROM LeaderboardBuckets;";
        await Db.Database.ExecuteSqlRawAsync(bulkLoad);
        await LeaderboardAggregates.InstallAsync(Db, Ct);
        await LeaderboardBuckets.InstallAsync(Db, Ct);
        var installed = (await Db.LeaderboardAggregates.CountAsync(), await Db.LeaderboardBuckets.CountAsync());
        // Three configurations with "loss" (the failed run is not in them); buckets: one day each, no tags.
        Assert.Equal((3, 3), installed);

        await SqliteSetup.MigrateAsync(Db, Ct); // a restart: the tables are not empty, nothing is inserted twice
        Assert.Equal(installed, (await Db.LeaderboardAggregates.CountAsync(), await Db.LeaderboardBuckets.CountAsync()));
        var row = await Db.LeaderboardAggregates.AsNoTracking().SingleAsync(a => a.ParametersJson == """{"dataset":1}""");
        Assert.Equal((2, 4.0, 1.0, 3.0), (row.N, row.SumMin, row.MinOfMin, row.MaxOfMin));

        // The triggers are back: a new succeeded run joins its configuration.
        Db.Runs.Add(new Run { Id = 6, ExperimentKey = "lm", ParametersJson = """{"dataset":1}""", Status = RunStatus.Succeeded, FinishedAt = Finished });
        Db.LatestMetrics.Add(new LatestMetric { RunId = 6, Key = "loss", Step = 1, Value = 2, Min = 2, Max = 2 });
        await Db.SaveChangesAsync();
        Assert.Equal(3, (await Db.LeaderboardAggregates.AsNoTracking().SingleAsync(a => a.ParametersJson == """{"dataset":1}""")).N);
        Assert.Equal(3, (await Db.LeaderboardBuckets.AsNoTracking().SingleAsync(b => b.ParametersJson == """{"dataset":1}""")).N);
    }

    [Fact]
    public async Task Install_leaves_the_tables_empty_without_succeeded_runs_and_null_contexts_are_refused()
    {
        await Db.Runs.Where(r => r.Status == RunStatus.Succeeded).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Failed));
        Assert.Equal((0, 0), (await Db.LeaderboardAggregates.CountAsync(), await Db.LeaderboardBuckets.CountAsync()));
        await SqliteSetup.MigrateAsync(Db, Ct);
        Assert.Equal((0, 0), (await Db.LeaderboardAggregates.CountAsync(), await Db.LeaderboardBuckets.CountAsync()));

        Assert.Equal("db", (await Assert.ThrowsAsync<ArgumentNullException>(() => LeaderboardAggregates.InstallAsync(null!, Ct))).ParamName);
        Assert.Equal("db", (await Assert.ThrowsAsync<ArgumentNullException>(() => LeaderboardBuckets.RebuildAsync(null!, Ct))).ParamName);
    }
}

/// <summary>The leaderboard's pure parts: the JSON path of a metric, knob names, review states, intervals, the Pareto front.</summary>
public sealed class LeaderboardPureTests
{
    [Theory]
    [InlineData("loss", "$.\"loss\"")]
    [InlineData("band@lr=1/x", "$.\"band@lr=1/x\"")]
    [InlineData("a\"b", "$.\"a\\\"b\"")]
    [InlineData("a\\b", "$.\"a\\\\b\"")]
    [InlineData(null, "$.\"\"")]
    public void Json_path_quotes_the_member_and_escapes_quotes_and_backslashes(string? metric, string path) =>
        Assert.Equal(path, LeaderboardQueries.JsonPath(metric!));

    [Theory]
    [InlineData("a", true)]
    [InlineData("_depth", true)]
    [InlineData("n_layers2", true)]
    [InlineData("Z", true)]
    [InlineData("x-1", false)]
    [InlineData("é", false)]
    [InlineData("a b", false)]
    public void Knob_names_are_ascii_letters_digits_and_underscores_not_starting_with_a_digit(string name, bool ok) =>
        Assert.Equal(ok, LeaderboardFilter.IsKnobName(name));

    [Fact]
    public void Knob_names_are_at_most_64_characters()
    {
        Assert.True(LeaderboardFilter.IsKnobName(new string('a', 64)));
        Assert.False(LeaderboardFilter.IsKnobName(new string('a', 65)));
    }

    [Fact]
    public void Approved_only_overrides_the_listed_states()
    {
        Assert.Equal([ReviewState.Approved], new LeaderboardFilter(ApprovedOnly: true, ReviewStates: [ReviewState.Rejected]).EffectiveStates);
        Assert.Equal([ReviewState.Rejected], new LeaderboardFilter(ReviewStates: [ReviewState.Rejected]).EffectiveStates);
        Assert.Null(LeaderboardFilter.None.EffectiveStates);
    }

    private static LeaderboardRow Row(double? parameters, double mean, int n = 1) => new("{}", n, mean, 0.5, mean, mean, 0, "", "", 1, parameters);

    [Fact]
    public void An_interval_needs_two_seeds()
    {
        Assert.Null(Row(null, 1, n: 1).Ci95);
        Assert.Equal(12.706 * 0.5 / Math.Sqrt(2), Row(null, 1, n: 2).Ci95!.Value, 12);
    }

    [Fact]
    public void Pareto_a_row_is_dominated_by_an_equal_mean_with_fewer_parameters_or_a_better_mean_with_as_many()
    {
        // Minimising: (10, 0.5) loses to (5, 0.5) (fewer parameters, same mean), (7, 0.45) to (7, 0.4) (as many, better).
        var down = Pareto.Mark([Row(10, 0.5), Row(5, 0.5), Row(7, 0.4), Row(7, 0.45)], maximize: false);
        Assert.Equal([false, true, true, false], down.Select(r => r.OnParetoFront));
        var up = Pareto.Mark([Row(10, 0.5), Row(5, 0.5), Row(7, 0.6), Row(7, 0.55)], maximize: true);
        Assert.Equal([false, true, true, false], up.Select(r => r.OnParetoFront));
        Assert.Equal("rows", Assert.Throws<ArgumentNullException>(() => Pareto.Mark(null!, false)).ParamName);
    }
}
