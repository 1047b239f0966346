using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Data.Metrics;
using LayerLab.Web.Compare;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace LayerLab.Tests.Unit.Compare;

/// <summary>
/// The compacted history (MetricHistoryBlobs) on a real SQLite file migrated like the portal's: written for finished
/// runs only, equal to the rows, dropped by any later change of its points, deleted with its run, written lazily
/// by a compare read.
/// </summary>
public sealed class CompactedHistoryTests : IAsyncLifetime
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"history-blob-{Guid.NewGuid():N}.db");
    private DbContextOptions<LabDbContext> _options = null!;
    private SqliteConnection _connection = null!;

    public async Task InitializeAsync()
    {
        _options = new DbContextOptionsBuilder<LabDbContext>().UseSqlite($"Data Source={_file}").Options;
        await using (var db = new LabDbContext(_options)) await SqliteSetup.MigrateAsync(db, CancellationToken.None);
        _connection = new SqliteConnection($"Data Source={_file}");
        await _connection.OpenAsync();
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        SqliteConnection.ClearAllPools();
        File.Delete(_file);
    }

    [Fact]
    public void The_blob_written_at_the_end_equals_the_row_read_exactly()
    {
        AddRun(1, RunStatus.Running);
        // NaN (stored NULL), ±Infinity, missing times, a step beyond int32, 3,000 ordinary points out of order.
        Exec("""
            INSERT INTO MetricPoints (RunId, Key, Step, Value, At) VALUES
              (1, 'loss', 5, NULL, 1700000000005), (1, 'loss', 6, 1e999, NULL), (1, 'loss', 7, -1e999, 1700000000007),
              (1, 'loss', 5000000000, -0.125, 1700000005000), (1, 'acc', 1, 0.5, NULL)
            """);
        var random = new Random(3);
        foreach (var step in Enumerable.Range(10, 3000).OrderBy(_ => random.Next()))
            Exec($"INSERT INTO MetricPoints (RunId, Key, Step, Value, At) VALUES (1, 'loss', {step}, {random.NextDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture)}, {1_700_000_000_000L + step})");

        Assert.False(MetricHistoryCompaction.CompactOne(_connection, 1, "loss")); // still running: no blob
        SetStatus(1, RunStatus.Succeeded);
        Assert.True(MetricHistoryCompaction.CompactOne(_connection, 1, "loss"));
        Assert.False(MetricHistoryCompaction.CompactOne(_connection, 1, "loss")); // already there

        foreach (var withTimes in new[] { true, false })
        {
            using var rows = RunHistory.ReadRows(_connection, 1, 42, "loss", withTimes);
            using var blob = RunHistory.TryReadBlob(_connection, 1, 42, "loss", withTimes);
            Assert.NotNull(blob);
            Assert.True(blob.FromBlob);
            Assert.Equal(3004, blob.Count);
            Assert.Equal(rows.Steps.ToArray(), blob.Steps.ToArray());
            Assert.Equal(Bits(rows.Values), Bits(blob.Values)); // bit for bit: NaN where rows say NaN
            Assert.Equal(Bits(rows.Times), Bits(blob.Times));
            Assert.Equal((42L, withTimes), (blob.StartedAt!.Value, blob.HasTimes));
        }
        using var read = RunHistory.Read(_connection, 1, null, "loss", withTimes: true);
        Assert.True(read.FromBlob);
        Assert.Equal([5L, 6, 7, 10], read.Steps[..4].ToArray());
        Assert.True(double.IsNaN(read.Values[0]) && double.IsNaN(read.Values[1]) && double.IsNaN(read.Values[2]));
        Assert.True(double.IsNaN(read.Times[1]));
        Assert.Equal(5_000_000_000, read.Steps[^1]);
        Assert.Equal(-0.125, read.Values[^1]);
    }

    [Fact]
    public void A_point_changed_after_the_end_drops_the_blob_and_the_next_read_shows_it()
    {
        AddRun(2, RunStatus.Succeeded);
        AddRun(3, RunStatus.Succeeded);
        Exec("INSERT INTO MetricPoints (RunId, Key, Step, Value, At) VALUES (2, 'loss', 1, 1.0, 1), (2, 'loss', 2, 2.0, 2), (2, 'acc', 1, 0.5, 1), (3, 'loss', 1, 9.0, 1)");
        foreach (var (run, key) in new[] { (2L, "loss"), (2L, "acc"), (3L, "loss") }) Assert.True(MetricHistoryCompaction.CompactOne(_connection, run, key));

        // A late insert (an external client logging after its status call).
        Exec("INSERT INTO MetricPoints (RunId, Key, Step, Value, At) VALUES (2, 'loss', 3, 3.0, 3)");
        Assert.Null(RunHistory.TryReadBlob(_connection, 2, null, "loss", true));
        using (var next = RunHistory.Read(_connection, 2, null, "loss", true))
        {
            Assert.False(next.FromBlob);
            Assert.Equal([1L, 2, 3], next.Steps.ToArray());
        }
        // Only that (run, key) lost its blob.
        Assert.NotNull(RunHistory.TryReadBlob(_connection, 2, null, "acc", true)?.FromBlob);
        Assert.NotNull(RunHistory.TryReadBlob(_connection, 3, null, "loss", true)?.FromBlob);

        // Written again, then an update and a delete (a resumed run rewriting its tail) each drop it again.
        Assert.True(MetricHistoryCompaction.CompactOne(_connection, 2, "loss"));
        Exec("UPDATE MetricPoints SET Value = 7.5 WHERE RunId = 2 AND Key = 'loss' AND Step = 3");
        using (var updated = RunHistory.Read(_connection, 2, null, "loss", true))
            Assert.Equal((false, 7.5), (updated.FromBlob, updated.Values[^1]));
        Assert.True(MetricHistoryCompaction.CompactOne(_connection, 2, "loss"));
        Exec("DELETE FROM MetricPoints WHERE RunId = 2 AND Key = 'loss' AND Step = 3");
        using (var deleted = RunHistory.Read(_connection, 2, null, "loss", true))
            Assert.Equal((false, 2), (deleted.FromBlob, deleted.Count));
    }

    [Fact]
    public void Deleting_a_run_deletes_its_blobs()
    {
        AddRun(4, RunStatus.Failed);
        AddRun(5, RunStatus.Cancelled);
        Exec("INSERT INTO MetricPoints (RunId, Key, Step, Value, At) VALUES (4, 'loss', 1, 1.0, 1), (5, 'loss', 1, 2.0, 1)");
        Assert.True(MetricHistoryCompaction.CompactOne(_connection, 4, "loss"));
        Assert.True(MetricHistoryCompaction.CompactOne(_connection, 5, "loss"));
        Exec("DELETE FROM Runs WHERE Id = 4");
        Assert.Equal(0L, Scalar("SELECT COUNT(*) FROM MetricHistoryBlobs WHERE RunId = 4"));
        Assert.Equal(1L, Scalar("SELECT COUNT(*) FROM MetricHistoryBlobs WHERE RunId = 5"));
    }

    [Fact]
    public async Task A_compare_read_of_a_finished_run_without_a_blob_writes_it_and_a_mixed_compare_still_reads_all()
    {
        AddRun(6, RunStatus.Succeeded);
        AddRun(7, RunStatus.Running);
        Exec("INSERT INTO MetricPoints (RunId, Key, Step, Value, At) VALUES (6, 'loss', 1, 1.0, 1), (6, 'loss', 2, 0.5, 2), (7, 'loss', 1, 3.0, 1)");
        var factory = new PooledDbContextFactory<LabDbContext>(_options);
        using var compactor = new HistoryCompactor(factory, NullLogger<HistoryCompactor>.Instance);
        await compactor.StartAsync(CancellationToken.None);
        try
        {
            var first = await CompareJsonAsync(factory, compactor);
            // The first read came from the rows and queued the compaction of run 6 (not of the running run 7).
            for (var i = 0; i < 200 && Scalar("SELECT COUNT(*) FROM MetricHistoryBlobs") == 0; i++) await Task.Delay(50);
            Assert.Equal(6L, Scalar("SELECT RunId FROM MetricHistoryBlobs"));
            Assert.Equal(first, await CompareJsonAsync(factory, compactor)); // same answer from the blob
            Assert.Contains("\"runId\":7", first, StringComparison.Ordinal);

            // A run's end schedules all its metrics.
            Exec("INSERT INTO MetricPoints (RunId, Key, Step, Value, At) VALUES (7, 'acc', 1, 0.25, 1)");
            SetStatus(7, RunStatus.Succeeded);
            compactor.Schedule(7);
            for (var i = 0; i < 200 && Scalar("SELECT COUNT(*) FROM MetricHistoryBlobs WHERE RunId = 7") < 2; i++) await Task.Delay(50);
            Assert.Equal(2L, Scalar("SELECT COUNT(*) FROM MetricHistoryBlobs WHERE RunId = 7"));
        }
        finally
        {
            await compactor.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<string> CompareJsonAsync(IDbContextFactory<LabDbContext> factory, HistoryCompactor compactor)
    {
        var (request, _) = CompareHistoryRequest.Parse("6,7", "loss", "json", "true", accept: null);
        var context = new DefaultHttpContext();
        using var body = new MemoryStream();
        context.Response.Body = body;
        await new CompareHistoryResult(request!, factory, compactor).ExecuteAsync(context);
        return System.Text.Encoding.UTF8.GetString(body.ToArray());
    }

    private static long[] Bits(ReadOnlySpan<double> values) => values.ToArray().Select(BitConverter.DoubleToInt64Bits).ToArray();

    private void AddRun(long id, RunStatus status)
    {
        using var db = new LabDbContext(_options);
        db.Runs.Add(new Run { Id = id, ExperimentKey = "xor", ParametersJson = "{}", Status = status, Source = RunSource.External });
        db.SaveChanges();
    }

    private void SetStatus(long id, RunStatus status) => Exec($"UPDATE Runs SET Status = '{status}' WHERE Id = {id}");

    private void Exec(string sql)
    {
        using var command = _connection.CreateCommand();
#pragma warning disable CA2100 // test SQL from constants
        command.CommandText = sql;
#pragma warning restore CA2100
        command.ExecuteNonQuery();
    }

    private long Scalar(string sql)
    {
        using var command = _connection.CreateCommand();
#pragma warning disable CA2100 // test SQL from constants
        command.CommandText = sql;
#pragma warning restore CA2100
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
