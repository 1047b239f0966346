using LayerLab.Data;
using LayerLab.Data.Leaderboard;
using LayerLab.Data.Metrics;
using LayerLab.Data.Runs;
using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.IclLinReg;
using LayerLab.Training.Experiments.XorPrelu;
using LayerLab.Web.Leaderboard;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Tests.Unit.Leaderboard;

/// <summary>
/// The layers filter reads the experiment's knob of role Layers, whatever it is called: here "depth", on a real SQLite
/// file, through each of the leaderboard's four queries (sums, day buckets, edge-day runs, every run).
/// </summary>
public sealed class LeaderboardLayersKnobTests : IAsyncLifetime
{
    private const string Shallow = """{"depth":1,"layers":9}""";  // a "layers" knob of no role must not be read
    private const string Deep = """{"depth":3}""";
    private static readonly DateTimeOffset Finished = new(2026, 11, 10, 12, 0, 0, TimeSpan.Zero);
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"lb-knob-{Guid.NewGuid():N}.db");
    private LabDbContext _db = null!;
    private long _nextId;

    /// <summary>A catalog entry whose depth knob is called "depth" (role Layers) next to an unrelated "layers".</summary>
    private sealed class DepthNamedExperiment : IExperiment
    {
        public string Key => "depth-named";
        public string Title => "Depth named";
        public string Paper => "";
        public string PaperUrl => "";
        public string Claim => "";
        public IReadOnlyList<ParameterSpec> Parameters { get; } =
        [
            ParameterSpec.Integer("depth", 2, 1, 8, "Blocks.") with { Role = ParameterRole.Layers },
            ParameterSpec.Integer("layers", 1, 1, 9, "Not the depth: something else this paper calls layers."),
        ];
        public IReadOnlyList<MetricDefinition> Metrics => [new("loss", "Loss", MetricDirection.Minimize)];
        public string PrimaryMetric => "loss";
        public Task<RunResult> TrainAsync(RunContext context, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    public async Task InitializeAsync()
    {
        _db = new LabDbContext(new DbContextOptionsBuilder<LabDbContext>().UseSqlite($"Data Source={_file}").Options);
        await SqliteSetup.MigrateAsync(_db, CancellationToken.None);
        foreach (var (json, loss) in new[] { (Shallow, 0.4), (Shallow, 0.5), (Deep, 0.2) }) Add(json, loss);
        await _db.SaveChangesAsync();
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        SqliteConnection.ClearAllPools();
        File.Delete(_file);
    }

    private static LeaderboardFilter Filter(long layers, DateTimeOffset? since = null, DateTimeOffset? before = null)
    {
        var (filter, errors) = LeaderboardFilterQuery.Parse(
            "any", null, null, null, null, layers, null, Finished, new DepthNamedExperiment());
        Assert.Empty(errors);
        return filter! with { FinishedSince = since, FinishedBefore = before };
    }

    [Fact]
    public void The_knob_is_the_one_of_role_layers_from_the_catalog()
    {
        Assert.Equal("depth", LeaderboardFilterQuery.LayersKnob(new DepthNamedExperiment()));
        Assert.Equal("layers", LeaderboardFilterQuery.LayersKnob(new IclLinRegExperiment()));
        Assert.Null(LeaderboardFilterQuery.LayersKnob(new XorPreluExperiment())); // no depth knob at all
        Assert.Equal("layers", LeaderboardFilterQuery.LayersKnob(null));          // external runs: the logged name
    }

    [Fact]
    public async Task Every_query_filters_on_the_depth_knob()
    {
        // Whole days (buckets) and a partial day (edge runs) around the runs' finish time; no date: the sums.
        var day = new DateTimeOffset(2026, 11, 10, 0, 0, 0, TimeSpan.Zero);
        var cases = new (string Name, Func<LeaderboardFilter, Task<List<LeaderboardRow>>> Query, DateTimeOffset? Since, DateTimeOffset? Before)[]
        {
            ("sums", f => _db.LeaderboardAsync("depth-named", "loss", false, f, 0, 10, CancellationToken.None), null, null),
            ("runs", f => _db.LeaderboardFromRunsAsync("depth-named", "loss", false, f, 0, 10, CancellationToken.None), null, null),
            ("buckets", f => _db.LeaderboardFromBucketsAsync("depth-named", "loss", false, f, 0, 10, CancellationToken.None, BucketPath.Buckets),
                day.AddDays(-1), day.AddDays(2)),
            ("edge runs", f => _db.LeaderboardFromBucketsAsync("depth-named", "loss", false, f, 0, 10, CancellationToken.None, BucketPath.Runs),
                day.AddHours(6), day.AddHours(18)),
        };
        foreach (var (name, query, since, before) in cases)
        {
            var shallow = await query(Filter(1, since, before));
            Assert.True(shallow.Count == 1, $"{name}: {shallow.Count} rows for depth 1");
            Assert.Equal((Shallow, 2), (shallow[0].ParametersJson, shallow[0].N));
            Assert.Equal(Deep, Assert.Single(await query(Filter(3, since, before))).ParametersJson);
            Assert.Empty(await query(Filter(9, since, before))); // the role-less "layers" knob is not the depth
        }
    }

    [Fact]
    public async Task No_layers_knob_matches_nothing_and_a_name_that_is_not_a_plain_member_is_refused()
    {
        async Task<int> Count(LeaderboardFilter f) => (await _db.LeaderboardAsync("depth-named", "loss", false, f, 0, 10, CancellationToken.None)).Count;
        Assert.Equal(2, await Count(new LeaderboardFilter(ReviewStates: null, LayersKnob: null)));
        Assert.Equal(0, await Count(new LeaderboardFilter(Layers: 1, LayersKnob: null)));
        foreach (var bad in new[] { "depth') OR 1=1 --", "a.b", "x[0]", "\"depth\"", "", "1depth" })
        {
            Assert.False(LeaderboardFilter.IsKnobName(bad));
            await Assert.ThrowsAsync<ArgumentException>(() => Count(new LeaderboardFilter(Layers: 1, LayersKnob: bad)));
        }
    }

    private void Add(string parameters, double bestLoss)
    {
        var id = ++_nextId;
        _db.Runs.Add(new Run
        {
            Id = id, ExperimentKey = "depth-named", ParametersJson = parameters, Status = RunStatus.Succeeded,
            QueuedAt = Finished, StartedAt = Finished.AddSeconds(-2), FinishedAt = Finished, Device = "cpu", SubmittedBy = "ann",
        });
        _db.LatestMetrics.Add(new LatestMetric { RunId = id, Key = "loss", Step = 10, Value = bestLoss, Min = bestLoss, Max = bestLoss + 1 });
    }
}
