using LayerLab.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace LayerLab.Tests.Unit.Schema;

/// <summary>A fresh database migrates without warnings (no migration switches foreign keys off outside its
/// transaction), and the hand-written steps leave the schema the model expects.</summary>
public sealed class FreshStartTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"fresh-{Guid.NewGuid():N}.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(_file);
    }

    [Fact]
    public async Task Migrating_a_fresh_database_logs_no_non_transactional_operation_and_keeps_the_constraints()
    {
        var warnings = new List<string>();
        var options = new DbContextOptionsBuilder<LabDbContext>().UseSqlite($"Data Source={_file}")
            .LogTo(warnings.Add, [RelationalEventId.NonTransactionalMigrationOperationWarning])
            .Options;
        await using var db = new LabDbContext(options);

        await SqliteSetup.MigrateAsync(db, CancellationToken.None);

        Assert.Empty(warnings);
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        var sweepKey = await ScalarAsync(db, "SELECT \"table\" || '.' || \"to\" || ' ' || on_delete FROM pragma_foreign_key_list('Runs') WHERE \"from\" = 'SweepId'");
        Assert.Equal("Sweeps.Id SET NULL", sweepKey);
        foreach (var table in new[] { "MetricPoints", "LatestMetrics" })
        {
            Assert.Equal("0", await ScalarAsync(db, $"SELECT \"notnull\" FROM pragma_table_info('{table}') WHERE name = 'Value'"));
            Assert.Equal("Runs.Id CASCADE", await ScalarAsync(db, $"SELECT \"table\" || '.' || \"to\" || ' ' || on_delete FROM pragma_foreign_key_list('{table}')"));
        }
    }

    private static async Task<string?> ScalarAsync(LabDbContext db, string sql)
    {
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open) await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (await command.ExecuteScalarAsync())?.ToString();
    }
}
