using LayerLab.Data.Metrics;
using LayerLab.Data.Runs;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace LayerLab.Tests.Unit.Metrics;

/// <summary>
/// The history reader's refusals and its SQLite bookkeeping: a blob whose lengths do not match its count is never read
/// as points, a read interrupted by SQLite throws rather than returning the points so far, a closed or missing
/// connection is named, and no read leaves a prepared statement behind. The blob bytes are written by hand here
/// (little-endian int64 and float64, computed with Python's struct.pack), not by the compaction.
/// </summary>
public sealed class RunHistoryReadTests : IAsyncLifetime
{
    // steps [1, 2]; values [0.5, -2]; times [1.7e12, NaN]
    private const string Steps = "X'01000000000000000200000000000000'";
    private const string Values = "X'000000000000E03F00000000000000C0'";
    private const string Times = "X'00008056FEBC7842000000000000F87F'";
    private MigratedDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = await MigratedDatabase.CreateAsync();
        _db.AddRun(1, RunStatus.Succeeded);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public void A_hand_written_blob_reads_as_its_points_with_and_without_times()
    {
        AddBlob("loss", 2, Steps, Values, Times);
        using var withTimes = RunHistory.TryReadBlob(_db.Connection, 1, 7, "loss", withTimes: true);
        Assert.NotNull(withTimes);
        Assert.Equal((1L, 7L, 2, true, true), (withTimes.RunId, withTimes.StartedAt!.Value, withTimes.Count, withTimes.FromBlob, withTimes.HasTimes));
        Assert.Equal([1L, 2], withTimes.Steps.ToArray());
        Assert.Equal([0.5, -2], withTimes.Values.ToArray());
        Assert.Equal(1.7e12, withTimes.Times[0]);
        Assert.True(double.IsNaN(withTimes.Times[1]));

        using var without = RunHistory.TryReadBlob(_db.Connection, 1, null, "loss", withTimes: false);
        Assert.NotNull(without);
        Assert.Equal((2, false, 0), (without.Count, without.HasTimes, without.Times.Length));
        Assert.Equal([0.5, -2], without.Values.ToArray());

        Assert.Null(RunHistory.TryReadBlob(_db.Connection, 1, null, "acc", withTimes: true)); // no blob of that key
        Assert.Null(RunHistory.TryReadBlob(_db.Connection, 2, null, "loss", withTimes: true)); // nor of that run
    }

    [Theory]
    [InlineData("X'0100000000000000'", Values, Times)]                                     // one step short
    [InlineData(Steps, "X'000000000000E03F00000000000000C0000000000000F03F'", Times)]      // one value too many
    [InlineData(Steps, Values, "X'00008056FEBC7842'")]                                     // one time short
    public void A_blob_whose_arrays_do_not_hold_its_count_is_refused(string steps, string values, string times)
    {
        AddBlob("loss", 2, steps, values, times);
        var e = Assert.Throws<InvalidDataException>(() => RunHistory.Read(_db.Connection, 1, null, "loss", withTimes: true));
        Assert.Equal("the compacted history of run 1 'loss' does not hold 2 points", e.Message);
    }

    [Fact]
    public void A_short_time_array_does_not_matter_to_a_read_without_times()
    {
        AddBlob("loss", 2, Steps, Values, "X''");
        using var history = RunHistory.TryReadBlob(_db.Connection, 1, null, "loss", withTimes: false);
        Assert.NotNull(history);
        Assert.Equal([1L, 2], history.Steps.ToArray());
        Assert.Throws<InvalidDataException>(() => RunHistory.TryReadBlob(_db.Connection, 1, null, "loss", withTimes: true));
    }

    [Fact]
    public void A_read_interrupted_by_SQLite_throws_instead_of_returning_the_points_so_far()
    {
        _db.AddRun(2, RunStatus.Running);
        _db.Exec("WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 2000) INSERT INTO MetricPoints (RunId, Key, Step, Value, At) SELECT 2, 'loss', n, n / 10.0, n FROM s");
        AddBlob("loss", 2, Steps, Values, Times);
        using (var whole = RunHistory.ReadRows(_db.Connection, 2, null, "loss", withTimes: true))
            Assert.Equal(2000, whole.Count);

        var calls = 0;
        // SQLite asks the handler every 100 virtual-machine steps; from the 5th call on (a few rows in) it interrupts.
        raw.sqlite3_progress_handler(_db.Connection.Handle, 100, _ => ++calls >= 5 ? 1 : 0, null);
        try
        {
            foreach (var withTimes in new[] { true, false })
            {
                calls = 0;
                var rows = Assert.Throws<SqliteException>(() => RunHistory.ReadRows(_db.Connection, 2, null, "loss", withTimes));
                Assert.Equal((raw.SQLITE_INTERRUPT, "interrupted"), (rows.SqliteErrorCode, rows.Message));
                Assert.True(calls >= 5);
            }
            // The blob's lookup is a few dozen steps: asked after every one, the handler interrupts it at once.
            raw.sqlite3_progress_handler(_db.Connection.Handle, 1, _ => 1, null);
            var blob = Assert.Throws<SqliteException>(() => RunHistory.TryReadBlob(_db.Connection, 1, null, "loss", withTimes: true));
            Assert.Equal(raw.SQLITE_INTERRUPT, blob.SqliteErrorCode);
        }
        finally
        {
            raw.sqlite3_progress_handler(_db.Connection.Handle, 0, null, null);
        }
    }

    [Fact]
    public void A_missing_table_is_reported_by_SQLite()
    {
        using var empty = new SqliteConnection("Data Source=:memory:");
        empty.Open();
        Assert.Equal("no such table: MetricHistoryBlobs",
            Assert.Throws<SqliteException>(() => RunHistory.TryReadBlob(empty, 1, null, "loss", true)).Message);
        Assert.Equal("no such table: MetricPoints",
            Assert.Throws<SqliteException>(() => RunHistory.ReadRows(empty, 1, null, "loss", true)).Message);
    }

    [Fact]
    public void A_null_or_closed_connection_is_named()
    {
        Assert.Equal("connection", Assert.Throws<ArgumentNullException>(() => RunHistory.TryReadBlob(null!, 1, null, "loss", true)).ParamName);
        Assert.Equal("connection", Assert.Throws<ArgumentNullException>(() => RunHistory.ReadRows(null!, 1, null, "loss", true)).ParamName);
        using var closed = new SqliteConnection("Data Source=:memory:");
        Assert.Equal("open the connection first", Assert.Throws<InvalidOperationException>(() => RunHistory.TryReadBlob(closed, 1, null, "loss", true)).Message);
        Assert.Equal("open the connection first", Assert.Throws<InvalidOperationException>(() => RunHistory.ReadRows(closed, 1, null, "loss", true, expected: 10)).Message);
    }

    [Fact]
    public void No_read_leaves_a_prepared_statement_behind()
    {
        _db.Exec("INSERT INTO MetricPoints (RunId, Key, Step, Value, At) VALUES (1, 'acc', 1, 0.5, 1), (1, 'acc', 2, NULL, NULL)");
        AddBlob("loss", 2, Steps, Values, Times);
        using var connection = _db.Open();
        connection.Handle!.enable_sqlite3_next_stmt(true);
        Assert.Null(raw.sqlite3_next_stmt(connection.Handle, null));
        foreach (var withTimes in new[] { true, false })
        {
            using (var rows = RunHistory.ReadRows(connection, 1, null, "acc", withTimes)) Assert.Equal(2, rows.Count);
            Assert.Null(raw.sqlite3_next_stmt(connection.Handle, null));
            using (var blob = RunHistory.TryReadBlob(connection, 1, null, "loss", withTimes)) Assert.Equal(2, blob!.Count);
            Assert.Null(raw.sqlite3_next_stmt(connection.Handle, null));
            Assert.Null(RunHistory.TryReadBlob(connection, 1, null, "acc", withTimes));
            Assert.Null(raw.sqlite3_next_stmt(connection.Handle, null));
        }
    }

    private void AddBlob(string key, int count, string steps, string values, string times) =>
        _db.Exec($"INSERT INTO MetricHistoryBlobs (RunId, Key, Count, StepData, ValueData, TimeData) VALUES (1, '{key}', {count}, {steps}, {values}, {times})");
}
