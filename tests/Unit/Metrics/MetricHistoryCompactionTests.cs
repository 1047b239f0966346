using LayerLab.Data;
using LayerLab.Data.Metrics;
using LayerLab.Data.Runs;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace LayerLab.Tests.Unit.Metrics;

/// <summary>
/// The compaction's edges on a migrated SQLite file: nothing is written for a key without points, a failure between
/// BEGIN and COMMIT (a trigger that RAISEs stands in for a full disk) rolls back and leaves the connection usable,
/// every path ends its transaction, the metric keys are the run's own, and the installed triggers purge blobs that
/// may be stale when one of them was missing.
/// </summary>
public sealed class MetricHistoryCompactionTests : IAsyncLifetime
{
    private MigratedDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = await MigratedDatabase.CreateAsync();
        _db.AddRun(1, RunStatus.Succeeded);
        _db.AddRun(2, RunStatus.Succeeded);
        _db.Exec("INSERT INTO MetricPoints (RunId, Key, Step, Value, At) VALUES (1, 'loss', 1, 1.0, 1), (1, 'loss', 2, 0.5, 2), (1, 'acc', 1, 0.25, 1), (2, 'f1', 1, 0.75, 1)");
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private bool InTransaction => raw.sqlite3_get_autocommit(_db.Connection.Handle) == 0;

    [Fact]
    public void A_finished_run_without_points_of_the_key_gets_no_blob_and_its_transaction_ends()
    {
        Assert.False(MetricHistoryCompaction.CompactOne(_db.Connection, 1, "f1")); // run 2's key, not run 1's
        Assert.False(InTransaction);
        Assert.Equal(0L, _db.Scalar("SELECT COUNT(*) FROM MetricHistoryBlobs"));
        Assert.True(MetricHistoryCompaction.CompactOne(_db.Connection, 1, "loss"));
        Assert.False(InTransaction);
        Assert.False(MetricHistoryCompaction.CompactOne(_db.Connection, 1, "loss")); // already there
        Assert.False(InTransaction);
        Assert.False(MetricHistoryCompaction.CompactOne(_db.Connection, 3, "loss")); // no such run
        Assert.False(InTransaction);
        Assert.Equal(2L, _db.Scalar("SELECT Count FROM MetricHistoryBlobs WHERE RunId = 1 AND Key = 'loss'"));
    }

    [Fact]
    public void A_failure_before_the_commit_rolls_back_and_the_next_compaction_succeeds()
    {
        _db.Exec("CREATE TRIGGER refuse_blob BEFORE INSERT ON MetricHistoryBlobs BEGIN SELECT RAISE(ABORT, 'no room for the blob'); END;");
        var e = Assert.Throws<SqliteException>(() => MetricHistoryCompaction.CompactOne(_db.Connection, 1, "loss"));
        Assert.Contains("no room for the blob", e.Message, StringComparison.Ordinal);
        Assert.False(InTransaction); // rolled back: not left holding the write lock
        using (var other = _db.Open()) // another writer is not locked out
        {
            using var insert = other.CreateCommand();
            insert.CommandText = "INSERT INTO MetricPoints (RunId, Key, Step, Value, At) VALUES (1, 'acc', 2, 0.5, 2)";
            Assert.Equal(1, insert.ExecuteNonQuery());
        }

        _db.Exec("DROP TRIGGER refuse_blob");
        Assert.True(MetricHistoryCompaction.CompactOne(_db.Connection, 1, "loss"));
        Assert.Equal(1L, _db.Scalar("SELECT COUNT(*) FROM MetricHistoryBlobs"));
    }

    [Fact]
    public void The_metric_keys_are_the_runs_own_each_once()
    {
        Assert.Equal(["acc", "loss"], MetricHistoryCompaction.MetricKeys(_db.Connection, 1).Order(StringComparer.Ordinal));
        Assert.Equal(["f1"], MetricHistoryCompaction.MetricKeys(_db.Connection, 2));
        Assert.Empty(MetricHistoryCompaction.MetricKeys(_db.Connection, 3));
    }

    [Fact]
    public void Null_arguments_are_named()
    {
        Assert.Equal("connection", Assert.Throws<ArgumentNullException>(() => MetricHistoryCompaction.MetricKeys(null!, 1)).ParamName);
        Assert.Equal("connection", Assert.Throws<ArgumentNullException>(() => MetricHistoryCompaction.CompactOne(null!, 1, "loss")).ParamName);
        Assert.Equal("key", Assert.Throws<ArgumentNullException>(() => MetricHistoryCompaction.CompactOne(_db.Connection, 1, null!)).ParamName);
        Assert.False(InTransaction);
    }

    [Fact]
    public async Task Installing_with_a_trigger_missing_drops_every_blob_and_with_all_present_keeps_them()
    {
        Assert.True(MetricHistoryCompaction.CompactOne(_db.Connection, 1, "loss"));
        Assert.True(MetricHistoryCompaction.CompactOne(_db.Connection, 2, "f1"));
        await using (var context = new LabDbContext(_db.Options))
            await MetricHistoryBlobs.InstallAsync(context, CancellationToken.None); // all three present: nothing stale
        Assert.Equal(2L, _db.Scalar("SELECT COUNT(*) FROM MetricHistoryBlobs"));

        foreach (var trigger in new[] { "hb_points_insert", "hb_points_update", "hb_points_delete" })
        {
            MetricHistoryCompaction.CompactOne(_db.Connection, 1, "loss");
            MetricHistoryCompaction.CompactOne(_db.Connection, 2, "f1");
            Assert.Equal(2L, _db.Scalar("SELECT COUNT(*) FROM MetricHistoryBlobs"));
            _db.Exec($"DROP TRIGGER {trigger}");
            await using (var context = new LabDbContext(_db.Options))
                await MetricHistoryBlobs.InstallAsync(context, CancellationToken.None);
            Assert.Equal(0L, _db.Scalar("SELECT COUNT(*) FROM MetricHistoryBlobs"));
            Assert.Equal(3L, _db.Scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'hb_points_%'"));
        }
        // Re-created, they work: a late point drops its (run, key) blob.
        Assert.True(MetricHistoryCompaction.CompactOne(_db.Connection, 1, "loss"));
        _db.Exec("INSERT INTO MetricPoints (RunId, Key, Step, Value, At) VALUES (1, 'loss', 3, 0.25, 3)");
        Assert.Equal(0L, _db.Scalar("SELECT COUNT(*) FROM MetricHistoryBlobs"));
        await Assert.ThrowsAsync<ArgumentNullException>("db", () => MetricHistoryBlobs.InstallAsync(null!, CancellationToken.None));
    }
}
