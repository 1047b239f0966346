using LayerLab.Data;
using LayerLab.Data.Runs;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Tests.Unit.Schema;

/// <summary>
/// A real SQLite file migrated like the portal's. Each context gets its own EF service provider, so the model is
/// built afresh from <see cref="LabDbContext"/>'s configuration (not taken from EF's process-wide model cache).
/// </summary>
internal sealed class SchemaDatabase : IAsyncDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"schema-{Guid.NewGuid():N}.db");

    public DbContextOptions<LabDbContext> Options { get; }

    private SchemaDatabase() =>
        Options = new DbContextOptionsBuilder<LabDbContext>().UseSqlite($"Data Source={_file}")
            .EnableServiceProviderCaching(false).Options;

    /// <param name="existingFileSql">When given, the file is first created by a plain connection running this SQL
    /// (a database that exists before the portal first migrates it).</param>
    public static async Task<SchemaDatabase> CreateAsync(string? existingFileSql = null)
    {
        var database = new SchemaDatabase();
        if (existingFileSql is not null) await database.ExecuteAsync(existingFileSql);
        await using var db = database.Open();
        await SqliteSetup.MigrateAsync(db, CancellationToken.None);
        return database;
    }

    public LabDbContext Open() => new(Options);

    public static Run NewRun(long id) => new() { Id = id, ExperimentKey = "xor", ParametersJson = "{}", Source = RunSource.External };

    /// <summary>The first column of every row of <paramref name="sql"/>, as text ("NULL" for null).</summary>
    public async Task<List<string>> ColumnAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_file}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync()) values.Add(reader.IsDBNull(0) ? "NULL" : Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        return values;
    }

    /// <summary>Runs <paramref name="sql"/> with foreign keys on (as EF opens its connections).</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_file};Foreign Keys=True");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(_file);
        foreach (var suffix in new[] { "-wal", "-shm" }) File.Delete(_file + suffix);
        return ValueTask.CompletedTask;
    }
}
