using LayerLab.Data;
using LayerLab.Data.Runs;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Tests.Unit.Metrics;

/// <summary>A temporary SQLite file migrated like the portal's (triggers included) and one open raw connection to it.</summary>
public sealed class MigratedDatabase : IAsyncDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"metrics-{Guid.NewGuid():N}.db");

    private MigratedDatabase() => Options = new DbContextOptionsBuilder<LabDbContext>().UseSqlite($"Data Source={_file}").Options;

    public DbContextOptions<LabDbContext> Options { get; }
    public SqliteConnection Connection { get; private set; } = null!;

    public static async Task<MigratedDatabase> CreateAsync()
    {
        var database = new MigratedDatabase();
        await using (var db = new LabDbContext(database.Options)) await SqliteSetup.MigrateAsync(db, CancellationToken.None);
        database.Connection = database.Open();
        return database;
    }

    /// <summary>Another connection to the same file (not pooled, so nothing it leaves behind is shared), opened.</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection($"Data Source={_file};Pooling=False");
        connection.Open();
        return connection;
    }

    public void AddRun(long id, RunStatus status)
    {
        using var db = new LabDbContext(Options);
        db.Runs.Add(new Run { Id = id, ExperimentKey = "xor", ParametersJson = "{}", Status = status, Source = RunSource.External });
        db.SaveChanges();
    }

    public void Exec(string sql)
    {
        using var command = Connection.CreateCommand();
#pragma warning disable CA2100 // test SQL from constants
        command.CommandText = sql;
#pragma warning restore CA2100
        command.ExecuteNonQuery();
    }

    public long Scalar(string sql)
    {
        using var command = Connection.CreateCommand();
#pragma warning disable CA2100 // test SQL from constants
        command.CommandText = sql;
#pragma warning restore CA2100
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        SqliteConnection.ClearAllPools();
        File.Delete(_file);
    }
}
