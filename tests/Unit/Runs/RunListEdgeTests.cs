using LayerLab.Data;
using LayerLab.Data.Runs;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Tests.Unit.Runs;

/// <summary>
/// The runs page's query at its edges, on a real SQLite file with five hand-made runs: every sort key in both
/// directions, the sweep filter, the page bounds, search by submitter, with spaces, without '#', and a backslash.
/// </summary>
public sealed class RunListEdgeTests : MigratedFileTest
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    protected override async Task SeedAsync()
    {
        // id, experiment, progress, seed, sweep, name, submitter: no key orders the runs the way the id does.
        (long Id, string Experiment, double Progress, long Seed, long? Sweep, string? Name, string Submitter)[] runs =
        [
            (1, "b-exp", 0.50, 30, 7, @"C:\data", "grace"),
            (2, "a-exp", 0.90, 10, null, "Cdata", "ada"),
            (3, "c-exp", 0.10, 20, 7, "50% off", "ada"),
            (4, "a-exp", 0.90, 50, 8, "500 off", "ada"),
            (5, "b-exp", 0.30, 40, null, "run 42", "ada"),
        ];
        foreach (var sweep in new long[] { 7, 8 })
            Db.Sweeps.Add(new LayerLab.Data.Sweeps.Sweep { Id = sweep, Name = $"s{sweep}", ExperimentKey = "a-exp", DefinitionJson = "{}" });
        foreach (var r in runs)
        {
            Db.Runs.Add(new Run
            {
                Id = r.Id, ExperimentKey = r.Experiment, ParametersJson = "{}", Progress = r.Progress, Seed = r.Seed,
                SweepId = r.Sweep, Name = r.Name, SubmittedBy = r.Submitter, Status = RunStatus.Succeeded,
            });
        }
        await Db.SaveChangesAsync();
    }

    private async Task<long[]> IdsAsync(RunListFilter filter, RunListSort sort = RunListSort.Id, bool descending = true, int skip = 0, int take = 50) =>
        [.. (await Db.RunListPageAsync(filter, sort, descending, skip, take, Ct)).Rows.Select(r => r.Id)];

    [Theory]
    [InlineData(RunListSort.Id, false, new long[] { 1, 2, 3, 4, 5 })]
    [InlineData(RunListSort.Id, true, new long[] { 5, 4, 3, 2, 1 })]
    [InlineData(RunListSort.Experiment, false, new long[] { 4, 2, 5, 1, 3 })]   // ties newest first
    [InlineData(RunListSort.Experiment, true, new long[] { 3, 5, 1, 4, 2 })]
    [InlineData(RunListSort.Progress, false, new long[] { 3, 5, 1, 4, 2 })]
    [InlineData(RunListSort.Progress, true, new long[] { 4, 2, 1, 5, 3 })]
    [InlineData(RunListSort.Seed, false, new long[] { 2, 3, 1, 5, 4 })]
    [InlineData(RunListSort.Seed, true, new long[] { 4, 5, 1, 3, 2 })]
    public async Task Every_sort_key_in_both_directions_with_ties_newest_first(RunListSort sort, bool descending, long[] expected) =>
        Assert.Equal(expected, await IdsAsync(new(), sort, descending));

    [Fact]
    public async Task Equal_seeds_sort_newest_first_either_way()
    {
        await Db.Runs.Where(r => r.Id == 2).ExecuteUpdateAsync(s => s.SetProperty(r => r.Seed, 30L)); // as run 1
        Assert.Equal(new long[] { 3, 2, 1, 5, 4 }, await IdsAsync(new(), RunListSort.Seed, descending: false));
        Assert.Equal(new long[] { 4, 5, 2, 1, 3 }, await IdsAsync(new(), RunListSort.Seed, descending: true));
    }

    [Fact]
    public async Task Status_sorts_descending_too()
    {
        await Db.Runs.Where(r => r.Id == 2).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Failed));
        Assert.Equal(new long[] { 5L, 4, 3, 1, 2 }, await IdsAsync(new(), RunListSort.Status, descending: true)); // "Succeeded" after "Failed"
    }

    [Fact]
    public async Task Sweep_filter_keeps_that_sweeps_runs_and_counts_them()
    {
        var page = await Db.RunListPageAsync(new(SweepId: 7), RunListSort.Id, true, 0, 50, Ct);
        Assert.Equal(2, page.Total);
        Assert.Equal(new long[] { 3, 1 }, page.Rows.Select(r => r.Id));
        Assert.Equal(new long[] { 4L }, await IdsAsync(new(SweepId: 8)));
    }

    [Fact]
    public async Task A_negative_skip_reads_from_the_start_and_take_is_at_least_one()
    {
        Assert.Equal(new long[] { 5L, 4 }, await IdsAsync(new(), skip: -3, take: 2));
        Assert.Equal(new long[] { 5L }, await IdsAsync(new(), take: 0));
        Assert.Equal(new long[] { 4L }, await IdsAsync(new(), skip: 1, take: -5));
        var page = await Db.RunListPageAsync(new(), RunListSort.Id, true, 4, 10, Ct);
        Assert.Equal(5, page.Total); // the total ignores the page
        Assert.Equal(new long[] { 1 }, page.Rows.Select(r => r.Id));
    }

    [Fact]
    public async Task Search_trims_finds_an_id_without_hash_and_matches_the_submitter()
    {
        Assert.Equal(new long[] { 4L }, await IdsAsync(new(Search: "  #4 ")));
        Assert.Equal(new long[] { 3L }, await IdsAsync(new(Search: "3")));
        Assert.Equal(new long[] { 1L }, await IdsAsync(new(Search: "GRACE")));
        Assert.Equal(new long[] { 5L }, await IdsAsync(new(Search: "run 4")));       // text that is not a number is a substring
        Assert.Equal(new long[] { 5L, 4, 3, 2, 1 }, await IdsAsync(new(Search: "   "))); // blank: no search
    }

    [Fact]
    public async Task A_backslash_or_percent_in_the_search_is_text_not_an_escape_or_a_wildcard()
    {
        Assert.Equal(new long[] { 3 }, await IdsAsync(new(Search: "50%")));   // not "500 off": % is a character here
        Assert.Equal(new long[] { 4, 3 }, await IdsAsync(new(Search: "off")));
        Assert.Equal(new long[] { 1L }, await IdsAsync(new(Search: @"C:\d")));
        Assert.Equal(new long[] { 2L }, await IdsAsync(new(Search: "Cd")));
    }

    [Fact]
    public async Task Rows_carry_the_run_columns_and_null_arguments_are_named()
    {
        var row = (await Db.RunListPageAsync(new(Search: "#1"), RunListSort.Id, true, 0, 1, Ct)).Rows.Single();
        Assert.Equal(("b-exp", @"C:\data", 0.5, 30L, (long?)7), (row.ExperimentKey, row.Name, row.Progress, row.Seed, row.SweepId));
        Assert.Equal("db", (await Assert.ThrowsAsync<ArgumentNullException>(() =>
            ((LabDbContext)null!).RunListPageAsync(new(), RunListSort.Id, true, 0, 1, Ct))).ParamName);
        Assert.Equal("filter", (await Assert.ThrowsAsync<ArgumentNullException>(() =>
            Db.RunListPageAsync(null!, RunListSort.Id, true, 0, 1, Ct))).ParamName);
    }
}
