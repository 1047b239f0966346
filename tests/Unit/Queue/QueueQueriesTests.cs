using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Web.Queue;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Tests.Unit.Queue;

/// <summary>
/// The queue's reads on a real SQLite file (migrated and set up as the portal does, so the pending-run index exists):
/// each owner's first runs and the counts equal what a plain in-memory reading of every run gives.
/// </summary>
public sealed class QueueQueriesTests : IAsyncLifetime
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"queue-{Guid.NewGuid():N}.db");
    private readonly List<Run> _runs = [];
    private LabDbContext _db = null!;

    public async Task InitializeAsync()
    {
        _db = new LabDbContext(new DbContextOptionsBuilder<LabDbContext>().UseSqlite($"Data Source={_file}").Options);
        await SqliteSetup.MigrateAsync(_db, CancellationToken.None);
        // 600 runs of 7 owners (one holding most), every state the queue must tell apart, equal queue times to
        // exercise the id tie-break, and legacy runs without an account id (owner = display name).
        var random = new Random(7);
        var t0 = DateTimeOffset.UnixEpoch.AddDays(20_000);
        for (var id = 1; id <= 600; id++)
        {
            var owner = random.NextDouble() < 0.6 ? 0 : random.Next(1, 7);
            var legacy = owner == 6;
            var (status, dispatched, cancel, source) = random.Next(10) switch
            {
                0 => (RunStatus.Running, true, false, RunSource.Catalog),
                1 => (RunStatus.Queued, true, false, RunSource.Catalog),
                2 => (RunStatus.Queued, false, true, RunSource.Catalog),
                3 => (RunStatus.Succeeded, true, false, RunSource.Catalog),
                4 => (RunStatus.Running, false, false, RunSource.External),
                _ => (RunStatus.Queued, false, false, RunSource.Catalog),
            };
            var run = new Run
            {
                Id = id, ExperimentKey = "xor-prelu", ParametersJson = "{}", Seed = id, Status = status, Source = source,
                QueuedAt = t0.AddSeconds(random.Next(50)), DispatchedAt = dispatched ? t0 : null, CancelRequested = cancel,
                Priority = random.Next(-1, 2), SubmittedBy = $"name-{owner}", SubmittedById = legacy ? null : $"id-{owner}",
            };
            _runs.Add(run);
            _db.Runs.Add(run);
        }
        await _db.SaveChangesAsync();
        _db.ChangeTracker.Clear();
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        SqliteConnection.ClearAllPools();
        File.Delete(_file);
    }

    private static string OwnerOf(Run r) => r.SubmittedById ?? r.SubmittedBy ?? "";

    private List<Run> Waiting => _runs
        .Where(r => r.Source == RunSource.Catalog && r.Status == RunStatus.Queued && r.DispatchedAt is null && !r.CancelRequested).ToList();

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(500)]
    public async Task Each_owner_s_first_runs_in_their_own_order(int perOwner)
    {
        var expected = Waiting.GroupBy(OwnerOf)
            .SelectMany(g => g.OrderByDescending(r => r.Priority).ThenBy(r => r.QueuedAt).ThenBy(r => r.Id).Take(perOwner)
                .Select(r => (r.Id, g.Key, r.Priority, r.QueuedAt)))
            .OrderBy(x => x.Id).ToList();

        var actual = await QueueQueries.TopPerOwnerAsync(_db, perOwner, CancellationToken.None);

        Assert.Equal(7, expected.Select(e => e.Key).Distinct().Count());
        Assert.Equal(expected, actual.Select(c => (c.RunId, c.Owner, c.Priority, c.QueuedAt)).OrderBy(x => x.RunId).ToList());
    }

    [Fact]
    public async Task Counts_waiting_and_active_runs_per_owner()
    {
        var active = _runs
            .Where(r => r.Source == RunSource.Catalog && (r.Status == RunStatus.Running || (r.Status == RunStatus.Queued && r.DispatchedAt is not null)))
            .GroupBy(OwnerOf).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(Waiting.Count, await QueueQueries.CountUndispatchedAsync(_db, CancellationToken.None));
        Assert.Equal(active.OrderBy(p => p.Key), (await QueueQueries.ActiveByOwnerAsync(_db, CancellationToken.None)).OrderBy(p => p.Key));
    }

    [Fact]
    public async Task An_empty_queue_has_no_candidates()
    {
        await _db.Runs.ExecuteUpdateAsync(s => s.SetProperty(r => r.CancelRequested, true));
        Assert.Empty(await QueueQueries.TopPerOwnerAsync(_db, 5, CancellationToken.None));
        Assert.Equal(0, await QueueQueries.CountUndispatchedAsync(_db, CancellationToken.None));
    }
}
