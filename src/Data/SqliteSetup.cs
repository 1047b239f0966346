using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Data;

/// <summary>Opens the portal database the one way it is used everywhere: WAL journal, explicit busy timeout.</summary>
public static class SqliteSetup
{
    /// <summary>Normalises a connection string: creates the folder of the file and sets a busy timeout.</summary>
    public static string BuildConnectionString(string connectionString, int busyTimeoutSeconds = 30)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString)
        {
            DefaultTimeout = busyTimeoutSeconds,
            Pooling = true,
        };
        var folder = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        return builder.ToString();
    }

    /// <summary>Applies migrations (never EnsureCreated), switches the file to WAL (persists in the file), installs the leaderboard triggers, the queue's index and the compacted history's triggers.</summary>
    public static async Task MigrateAsync(LabDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        await db.Database.MigrateAsync(cancellationToken);
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        await Leaderboard.LeaderboardAggregates.InstallAsync(db, cancellationToken);
        await Leaderboard.LeaderboardBuckets.InstallAsync(db, cancellationToken);
        await Runs.PendingRunIndex.InstallAsync(db, cancellationToken);
        await Metrics.MetricHistoryBlobs.InstallAsync(db, cancellationToken);
    }
}
