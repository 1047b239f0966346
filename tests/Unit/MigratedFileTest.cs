using LayerLab.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Tests.Unit;

/// <summary>
/// A test class whose every test gets its own SQLite file, migrated the way the portal migrates it (triggers
/// included), and an EF context on it; rows a whole class needs go in <see cref="SeedAsync"/>.
/// </summary>
public abstract class MigratedFileTest : IAsyncLifetime
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"layerlab-test-{Guid.NewGuid():N}.db");
    protected LabDbContext Db { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Db = new LabDbContext(new DbContextOptionsBuilder<LabDbContext>().UseSqlite($"Data Source={_file}").Options);
        await SqliteSetup.MigrateAsync(Db, CancellationToken.None);
        await SeedAsync();
    }

    /// <summary>Rows every test of the class starts from; none by default.</summary>
    protected virtual Task SeedAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await Db.DisposeAsync();
        SqliteConnection.ClearAllPools();
        File.Delete(_file);
    }
}
