using LayerLab.Data;
using LayerLab.Data.Accounts;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Tests.Unit.Schema;

/// <summary>The one way the portal opens its database: the connection string, the per-connection pragmas, and what
/// <see cref="SqliteSetup.MigrateAsync"/> leaves installed beside the migrated tables.</summary>
public sealed class SqliteSetupTests
{
    [Fact]
    public void The_connection_string_gets_the_timeout_and_pooling_and_the_file_its_folder()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"setup-{Guid.NewGuid():N}", "nested");
        try
        {
            var built = new SqliteConnectionStringBuilder(SqliteSetup.BuildConnectionString($"Data Source={Path.Combine(folder, "lab.db")};Pooling=False", 7));

            Assert.True(Directory.Exists(folder));
            Assert.Equal(7, built.DefaultTimeout);
            Assert.True(built.Pooling);
            Assert.Equal(Path.Combine(folder, "lab.db"), built.DataSource);
            Assert.Equal(30, new SqliteConnectionStringBuilder(SqliteSetup.BuildConnectionString($"Data Source={Path.Combine(folder, "other.db")}")).DefaultTimeout);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
        }
    }

    [Fact]
    public async Task Every_opened_connection_gets_the_busy_timeout_and_normal_synchronous_mode()
    {
        var options = new DbContextOptionsBuilder<LabDbContext>().UseSqlite("Data Source=:memory:")
            .AddInterceptors(new SqlitePragmaInterceptor(1234)).Options;
        await using (var db = new LabDbContext(options))
        {
            db.Database.OpenConnection(); // ConnectionOpened
            Assert.Equal(["1234", "1"], Pragmas(db));
        }
        await using (var db = new LabDbContext(options))
        {
            await db.Database.OpenConnectionAsync(); // ConnectionOpenedAsync
            Assert.Equal(["1234", "1"], Pragmas(db));
        }
        // Without the interceptor SQLite's own values (no busy timeout, FULL) would be read: the check can fail.
        await using (var plain = new LabDbContext(new DbContextOptionsBuilder<LabDbContext>().UseSqlite("Data Source=:memory:").Options))
        {
            plain.Database.OpenConnection();
            Assert.Equal(["0", "2"], Pragmas(plain));
        }

        var interceptor = new SqlitePragmaInterceptor();
        Assert.Equal("connection", Assert.Throws<ArgumentNullException>(() => interceptor.ConnectionOpened(null!, null!)).ParamName);
        Assert.Equal("connection", (await Assert.ThrowsAsync<ArgumentNullException>(() => interceptor.ConnectionOpenedAsync(null!, null!))).ParamName);
    }

    [Fact]
    public async Task Migrating_switches_to_wal_and_installs_the_triggers_and_the_queue_index()
    {
        await using var database = await SchemaDatabase.CreateAsync();

        Assert.Equal(["wal"], await database.ColumnAsync("PRAGMA journal_mode"));
        Assert.Equal(
            ["hb_points_delete", "hb_points_insert", "hb_points_update",
             "lb_latest_delete", "lb_latest_insert", "lb_latest_update", "lb_runs_delete", "lb_runs_insert", "lb_runs_update",
             "lbb_latest_delete", "lbb_latest_insert", "lbb_latest_update", "lbb_runs_delete", "lbb_runs_insert", "lbb_runs_update",
             "lbb_tags_delete", "lbb_tags_insert"],
            await database.ColumnAsync("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"));
        Assert.Equal(["Runs"], await database.ColumnAsync("SELECT tbl_name FROM sqlite_master WHERE type = 'index' AND name = 'IX_Runs_Pending_OwnerOrder'"));
        Assert.Equal("db", (await Assert.ThrowsAsync<ArgumentNullException>(() => SqliteSetup.MigrateAsync(null!, CancellationToken.None))).ParamName);
    }

    /// <summary>EF creates a new file in WAL mode itself; a file that already exists (an older portal's, a restored
    /// copy) in the rollback-journal mode is switched by <see cref="SqliteSetup.MigrateAsync"/> alone.</summary>
    [Fact]
    public async Task Migrating_an_existing_rollback_journal_file_switches_it_to_wal()
    {
        await using var database = await SchemaDatabase.CreateAsync("PRAGMA journal_mode=DELETE; CREATE TABLE Existing (x);");

        Assert.Equal(["wal"], await database.ColumnAsync("PRAGMA journal_mode"));
    }

    [Fact]
    public async Task Trigger_sql_counts_and_drops_only_the_named_triggers()
    {
        await using var connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync();
        Execute(connection, """
            CREATE TABLE t (x);
            CREATE TRIGGER keep AFTER INSERT ON t BEGIN SELECT 1; END;
            CREATE TRIGGER drop_me AFTER INSERT ON t BEGIN SELECT 1; END;
            CREATE TABLE drop_me_too (x);
            """);

        Assert.Equal(2L, Scalar(connection, SqliteTriggers.CountPresentSql(["keep", "drop_me", "missing", "drop_me_too"])));
        Assert.Equal(1L, Scalar(connection, SqliteTriggers.CountPresentSql(["keep"])));
        Execute(connection, SqliteTriggers.DropSql(["drop_me", "missing"]));

        Assert.Equal(["keep"], Names(connection, "SELECT name FROM sqlite_master WHERE type = 'trigger'"));
        Assert.Equal(0L, Scalar(connection, SqliteTriggers.CountPresentSql(["drop_me"])));
        Assert.Equal("", SqliteTriggers.DropSql([]));
    }

    [Fact]
    public void The_roles_run_from_fewest_rights_to_most()
    {
        Assert.Equal(["Viewer", "Researcher", "Reviewer", "Admin"], LabRoles.All);
    }

    private static List<string> Pragmas(LabDbContext db) =>
        [Convert.ToString(Scalar((SqliteConnection)db.Database.GetDbConnection(), "PRAGMA busy_timeout"), System.Globalization.CultureInfo.InvariantCulture)!,
         Convert.ToString(Scalar((SqliteConnection)db.Database.GetDbConnection(), "PRAGMA synchronous"), System.Globalization.CultureInfo.InvariantCulture)!];

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static List<string> Names(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read()) names.Add(reader.GetString(0));
        return names;
    }
}
