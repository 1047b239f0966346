using LayerLab.Data;
using LayerLab.Data.Review;
using LayerLab.Data.Runs;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Tests.Unit.Runs;

/// <summary>The runs page's query on a real SQLite file: paging, filters, search and sorting all in SQL.</summary>
public sealed class RunListQueriesTests : IAsyncLifetime
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"runlist-{Guid.NewGuid():N}.db");
    private LabDbContext _db = null!;

    public async Task InitializeAsync()
    {
        _db = new LabDbContext(new DbContextOptionsBuilder<LabDbContext>().UseSqlite($"Data Source={_file}").Options);
        await SqliteSetup.MigrateAsync(_db, CancellationToken.None);
        // Runs 1–120: every third icl-linreg, the rest xor-prelu; every fourth failed; 100_%_odd has LIKE's wildcards in its name.
        for (var id = 1; id <= 120; id++)
        {
            _db.Runs.Add(new Run
            {
                Id = id,
                ExperimentKey = id % 3 == 0 ? "icl-linreg" : "xor-prelu",
                ParametersJson = "{}",
                Seed = 1000 - id,
                Status = id % 4 == 0 ? RunStatus.Failed : RunStatus.Succeeded,
                Progress = id / 120.0,
                QueuedAt = DateTimeOffset.UnixEpoch.AddMinutes(id),
                ReviewState = id == 7 ? ReviewState.Approved : ReviewState.Unreviewed,
                Name = id switch { 5 => "Baseline Alpha", 6 => "100_%_odd", 106 => "100x odd", _ => null },
                SubmittedBy = "ada",
                Source = id == 9 ? RunSource.External : RunSource.Catalog,
                Origin = id == 9 ? "MLflow · train.py · ada" : null,
            });
        }
        await _db.SaveChangesAsync();
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        SqliteConnection.ClearAllPools();
        File.Delete(_file);
    }

    private Task<RunListPage> PageAsync(RunListFilter filter, RunListSort sort = RunListSort.Id, bool descending = true, int skip = 0, int take = 50) =>
        _db.RunListPageAsync(filter, sort, descending, skip, take, CancellationToken.None);

    [Fact]
    public async Task Rows_carry_where_an_external_run_was_logged_from()
    {
        var rows = (await PageAsync(new(), take: 200)).Rows;
        Assert.Equal("MLflow · train.py · ada", rows.Single(r => r.Id == 9).Origin);
        Assert.Null(rows.Single(r => r.Id == 8).Origin);
    }

    [Fact]
    public async Task Pages_newest_first_with_the_total()
    {
        var first = await PageAsync(new());
        var last = await PageAsync(new(), skip: 100);
        Assert.Equal(120, first.Total);
        Assert.Equal(Enumerable.Range(71, 50).Reverse().Select(i => (long)i), first.Rows.Select(r => r.Id));
        Assert.Equal(Enumerable.Range(1, 20).Reverse().Select(i => (long)i), last.Rows.Select(r => r.Id));
    }

    [Fact]
    public async Task Filters_combine_and_count_only_what_matches()
    {
        var page = await PageAsync(new(Status: RunStatus.Failed, Experiment: "icl-linreg"));
        Assert.Equal(10, page.Total); // multiples of 12
        Assert.All(page.Rows, r => Assert.True(r.Id % 12 == 0));
        Assert.Equal([7L], (await PageAsync(new(Review: ReviewState.Approved))).Rows.Select(r => r.Id));
    }

    [Fact]
    public async Task Search_matches_an_id_or_a_case_insensitive_substring_and_treats_wildcards_as_text()
    {
        Assert.Equal([42L], (await PageAsync(new(Search: "#42"))).Rows.Select(r => r.Id));
        Assert.Equal([5L], (await PageAsync(new(Search: "alpha"))).Rows.Select(r => r.Id));
        Assert.Equal([6L], (await PageAsync(new(Search: "100_%"))).Rows.Select(r => r.Id));
        Assert.Equal(40, (await PageAsync(new(Search: "LINREG"))).Total);
    }

    [Fact]
    public async Task Sorts_in_sql_with_the_id_breaking_ties()
    {
        var bySeed = await PageAsync(new(), RunListSort.Seed, descending: false, take: 3);
        Assert.Equal([120L, 119L, 118L], bySeed.Rows.Select(r => r.Id));
        var byStatus = await PageAsync(new(), RunListSort.Status, descending: false, take: 2);
        Assert.Equal([120L, 116L], byStatus.Rows.Select(r => r.Id)); // "Failed" before "Succeeded", newest first within
    }
}
