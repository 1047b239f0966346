using Microsoft.EntityFrameworkCore;

namespace LayerLab.Data.Metrics;

/// <summary>
/// Keeps <see cref="MetricHistoryBlob"/> rows from ever serving stale data: any insert, update or delete of a
/// MetricPoints row deletes the blob of that (run, key) inside the same statement (a late point of an external run,
/// a requeued run resuming, a sweep's cleanup). The cost per ingested point is one primary-key probe of a small table.
/// </summary>
/// <remarks>
/// Created at start rather than in a migration, like the leaderboard's triggers: migrations are regenerated from the
/// model when branches merge, and raw SQL in them would be lost.
/// </remarks>
public static class MetricHistoryBlobs
{
    private static readonly string[] TriggerNames = ["hb_points_insert", "hb_points_update", "hb_points_delete"];

    private static string TriggersSql() => """
        CREATE TRIGGER hb_points_insert AFTER INSERT ON MetricPoints
        BEGIN DELETE FROM MetricHistoryBlobs WHERE RunId = NEW.RunId AND Key = NEW.Key; END;
        CREATE TRIGGER hb_points_update AFTER UPDATE ON MetricPoints
        BEGIN
        DELETE FROM MetricHistoryBlobs WHERE RunId = OLD.RunId AND Key = OLD.Key;
        DELETE FROM MetricHistoryBlobs WHERE RunId = NEW.RunId AND Key = NEW.Key;
        END;
        CREATE TRIGGER hb_points_delete AFTER DELETE ON MetricPoints
        BEGIN DELETE FROM MetricHistoryBlobs WHERE RunId = OLD.RunId AND Key = OLD.Key; END;
        """;

    private static string DropTriggersSql() => SqliteTriggers.DropSql(TriggerNames);

    /// <summary>(Re)creates the triggers. A blob written while the triggers were missing could be stale: drop them all then.</summary>
    public static async Task InstallAsync(LabDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (!db.Database.IsSqlite()) return;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
#pragma warning disable EF1002, EF1003, CA2100 // constant SQL
        var present = await db.Database.SqlQueryRaw<int>(SqliteTriggers.CountPresentSql(TriggerNames)).SingleAsync(cancellationToken);
        if (present < TriggerNames.Length) await db.Database.ExecuteSqlRawAsync("DELETE FROM MetricHistoryBlobs;", cancellationToken);
        await db.Database.ExecuteSqlRawAsync(DropTriggersSql() + TriggersSql(), cancellationToken);
#pragma warning restore EF1002, EF1003, CA2100
        await transaction.CommitAsync(cancellationToken);
    }
}
