using LayerLab.Data.Review;
using LayerLab.Data.Runs;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Tests.Unit.Schema;

/// <summary>What the model's conversions and defaults put in the columns: times as UTC ticks (so SQL can order and
/// filter them), enums as their names, and a run's review state that EF always writes, Unreviewed included.</summary>
public sealed class StoredValuesTests : IAsyncLifetime
{
    private SchemaDatabase _database = null!;

    public async Task InitializeAsync() => _database = await SchemaDatabase.CreateAsync();

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Times_are_stored_as_utc_ticks_and_read_back_at_offset_zero()
    {
        var queued = new DateTimeOffset(2026, 12, 6, 10, 0, 0, TimeSpan.FromHours(2));
        await using (var db = _database.Open())
        {
            var run = SchemaDatabase.NewRun(1);
            run.QueuedAt = queued;
            db.Runs.Add(run);
            await db.SaveChangesAsync();
        }

        // 08:00 UTC that day, counted independently of DateTimeOffset.UtcTicks.
        var expectedTicks = new DateTime(2026, 12, 6, 8, 0, 0, DateTimeKind.Utc).Ticks;
        Assert.Equal([expectedTicks.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            await _database.ColumnAsync("SELECT QueuedAt FROM Runs WHERE Id = 1"));
        Assert.Equal(["integer"], await _database.ColumnAsync("SELECT typeof(QueuedAt) FROM Runs WHERE Id = 1"));
        await using var read = _database.Open();
        var back = (await read.Runs.SingleAsync(r => r.Id == 1)).QueuedAt;
        Assert.Equal(queued, back);
        Assert.Equal(TimeSpan.Zero, back.Offset);
    }

    [Fact]
    public async Task Enums_are_stored_by_name_and_every_review_state_is_written_as_set()
    {
        await using (var db = _database.Open())
        {
            foreach (var (id, state) in new[] { (1L, ReviewState.Unreviewed), (2L, ReviewState.Approved), (3L, ReviewState.Rejected) })
            {
                var run = SchemaDatabase.NewRun(id);
                run.Status = RunStatus.Running;
                run.ReviewState = state;
                db.Runs.Add(run);
            }
            await db.SaveChangesAsync();
        }
        // A row written without the column (as the SQL paths do) gets the declared default.
        await _database.ExecuteAsync("INSERT INTO Runs (Id, ExperimentKey, ParametersJson, Seed, Status, Progress, QueuedAt, Attempt, Priority, CancelRequested, Source) VALUES (4, 'xor', '{}', 0, 'Queued', 0, 0, 0, 0, 0, 'Catalog')");

        Assert.Equal(["1 Running External Unreviewed", "2 Running External Approved", "3 Running External Rejected", "4 Queued Catalog Unreviewed"],
            await _database.ColumnAsync("SELECT Id || ' ' || Status || ' ' || Source || ' ' || ReviewState FROM Runs ORDER BY Id"));
        await using var read = _database.Open();
        Assert.Equal([ReviewState.Unreviewed, ReviewState.Approved, ReviewState.Rejected, ReviewState.Unreviewed],
            await read.Runs.OrderBy(r => r.Id).Select(r => r.ReviewState).ToListAsync());
    }
}
