using LayerLab.Data;
using LayerLab.Data.Metrics;
using LayerLab.Data.Runs;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Tests.Unit.Metrics;

/// <summary>
/// The ingestion writer's two prepared statements on a real SQLite file migrated like the portal's: a repeated
/// (run, key, step) keeps its first value, NaN is stored as NULL and never becomes an extreme, a late older step
/// never overwrites the latest value, and the extremes only widen.
/// </summary>
public sealed class MetricSqlTests : IAsyncLifetime
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"metric-sql-{Guid.NewGuid():N}.db");
    private SqliteConnection _connection = null!;

    public async Task InitializeAsync()
    {
        var options = new DbContextOptionsBuilder<LabDbContext>().UseSqlite($"Data Source={_file}").Options;
        await using (var db = new LabDbContext(options))
        {
            await SqliteSetup.MigrateAsync(db, CancellationToken.None);
            db.Runs.Add(new Run { Id = 1, ExperimentKey = "xor", ParametersJson = "{}", Status = RunStatus.Running, Source = RunSource.External });
            await db.SaveChangesAsync();
        }
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
    public async Task A_point_is_written_once_with_its_time_and_NaN_is_stored_as_null()
    {
        await using var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync();
        await using var insert = MetricSql.InsertPoint(_connection, transaction);
        var ct = CancellationToken.None;
        Assert.True(await MetricSql.ExecuteAsync(insert, 1, "loss", 0, 2.5, 1_700_000_000_000, ct));
        Assert.False(await MetricSql.ExecuteAsync(insert, 1, "loss", 0, 9.9, 1_700_000_000_001, ct)); // a repeat: not written
        Assert.True(await MetricSql.ExecuteAsync(insert, 1, "loss", 1, double.NaN, 1_700_000_000_002, ct));
        Assert.True(await MetricSql.ExecuteAsync(insert, 1, "loss", 2, double.NegativeInfinity, 1_700_000_000_003, ct));
        Assert.True(await MetricSql.ExecuteAsync(insert, 1, "acc", 0, 0.5, 1_700_000_000_004, ct));
        await transaction.CommitAsync();

        Assert.Equal(
            ["acc 0 0.5 1700000000004", "loss 0 2.5 1700000000000", "loss 1 NULL 1700000000002", "loss 2 -Infinity 1700000000003"],
            Rows("SELECT Key, Step, Value, At FROM MetricPoints WHERE RunId = 1 ORDER BY Key, Step"));
        await Assert.ThrowsAsync<ArgumentNullException>(() => MetricSql.ExecuteAsync(null!, 1, "x", 0, 0, 0, ct));
    }

    [Fact]
    public async Task The_latest_row_keeps_the_newest_step_and_widens_its_extremes()
    {
        await using var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync();
        await using var upsert = MetricSql.UpsertLatest(_connection, transaction);
        var ct = CancellationToken.None;
        string Latest() => Assert.Single(Rows("SELECT Step, Value, Min, Max FROM LatestMetrics WHERE RunId = 1 AND Key = 'loss'"));

        await MetricSql.UpsertLatestAsync(upsert, 1, "loss", new MetricExtent(5, double.NaN, null, null), ct);
        Assert.Equal("5 NULL NULL NULL", Latest());                       // only NaN so far: no extremes
        await MetricSql.UpsertLatestAsync(upsert, 1, "loss", new MetricExtent(5, 2, 1, 3), ct);
        Assert.Equal("5 2 1 3", Latest());                                // the same step: the newer report wins
        await MetricSql.UpsertLatestAsync(upsert, 1, "loss", new MetricExtent(4, 9, 0.5, 9), ct);
        Assert.Equal("5 2 0.5 9", Latest());                              // an older step late: extremes only
        await MetricSql.UpsertLatestAsync(upsert, 1, "loss", new MetricExtent(6, double.NaN, null, null), ct);
        Assert.Equal("6 NULL 0.5 9", Latest());                           // NaN is the latest value, never an extreme
        await MetricSql.UpsertLatestAsync(upsert, 1, "loss", new MetricExtent(7, 1, 0.75, 2), ct);
        Assert.Equal("7 1 0.5 9", Latest());                              // inside the range: extremes kept
        await MetricSql.UpsertLatestAsync(upsert, 1, "acc", new MetricExtent(0, 0.25, 0.25, 0.25), ct);
        Assert.Equal("7 1 0.5 9", Latest());                              // another key has its own row
        await Assert.ThrowsAsync<ArgumentNullException>(() => MetricSql.UpsertLatestAsync(null!, 1, "x", default, ct));
    }

    [Fact]
    public void Extents_take_the_newest_step_and_skip_NaN()
    {
        Assert.Equal(new MetricExtent(3, 2, 2, 2), MetricExtent.Of(3, 2));
        var nan = MetricExtent.Of(3, double.NaN);
        Assert.Equal((3L, (double?)null, (double?)null), (nan.Step, nan.Min, nan.Max));
        Assert.True(double.IsNaN(nan.Value));

        var e = MetricExtent.Of(3, 2).With(5, 4).With(4, -1);           // step 4 arrives after step 5
        Assert.Equal(new MetricExtent(5, 4, -1, 4), e);
        Assert.Equal(new MetricExtent(5, 7, -1, 7), e.With(5, 7));      // the same step again: the later report
        var afterNaN = e.With(6, double.NaN);
        Assert.Equal((6L, (double?)-1, (double?)4), (afterNaN.Step, afterNaN.Min, afterNaN.Max));
        Assert.True(double.IsNaN(afterNaN.Value));
        Assert.Equal(new MetricExtent(5, 4, -1, 4), e.With(2, double.NaN)); // old and NaN: nothing changes
        Assert.Equal(new MetricExtent(6, 1, 1, 1), nan.With(6, 1));     // the first number sets both extremes
    }

    private List<string> Rows(string sql)
    {
        using var command = _connection.CreateCommand();
#pragma warning disable CA2100 // test SQL from constants
        command.CommandText = sql;
#pragma warning restore CA2100
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
            rows.Add(string.Join(' ', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "NULL"
                : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        return rows;
    }
}
