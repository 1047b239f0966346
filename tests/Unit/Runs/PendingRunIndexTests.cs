using LayerLab.Data;
using LayerLab.Data.Runs;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Tests.Unit.Runs;

/// <summary>The queue's partial index, installed at start on a real SQLite file: there, partial, and safe to install twice.</summary>
public sealed class PendingRunIndexTests : IAsyncLifetime
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"pending-index-{Guid.NewGuid():N}.db");
    private LabDbContext _db = null!;

    public async Task InitializeAsync()
    {
        _db = new LabDbContext(new DbContextOptionsBuilder<LabDbContext>().UseSqlite($"Data Source={_file}").Options);
        await _db.Database.MigrateAsync(); // the migrations alone: the index is not in them
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        SqliteConnection.ClearAllPools();
        File.Delete(_file);
    }

    private Task<List<string>> IndexSqlAsync() =>
        _db.Database.SqlQueryRaw<string>("SELECT sql AS Value FROM sqlite_master WHERE type = 'index' AND name = {0}", PendingRunIndex.Name).ToListAsync();

    [Fact]
    public async Task Install_creates_the_partial_index_once_and_a_second_install_keeps_it()
    {
        Assert.Empty(await IndexSqlAsync());

        await PendingRunIndex.InstallAsync(_db, CancellationToken.None);
        await PendingRunIndex.InstallAsync(_db, CancellationToken.None); // every start installs it again

        var sql = Assert.Single(await IndexSqlAsync());
        Assert.Contains($"ON Runs({PendingRunIndex.Owner}, Priority DESC, QueuedAt, Id) WHERE {PendingRunIndex.Pending}", sql, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_null_context_is_refused_by_name() =>
        Assert.Equal("db", (await Assert.ThrowsAsync<ArgumentNullException>(() => PendingRunIndex.InstallAsync(null!, CancellationToken.None))).ParamName);
}
