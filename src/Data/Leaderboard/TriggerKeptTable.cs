using Microsoft.EntityFrameworkCore;

namespace LayerLab.Data.Leaderboard;

/// <summary>
/// Installs and rebuilds a table that SQLite triggers keep equal to a computation over the runs
/// (<see cref="LeaderboardAggregates"/>, <see cref="LeaderboardBuckets"/>). The triggers are (re)created at every
/// start, not in a migration: migrations are regenerated from the model when branches merge, and raw SQL in them would
/// be lost; their text may also have changed since the file was last opened.
/// </summary>
internal static class TriggerKeptTable
{
    /// <summary>Recreates the triggers and, when the table is empty but succeeded runs exist, backfills it.</summary>
    /// <param name="table">The table's name (a constant).</param>
    /// <param name="triggersSql">Drops and creates the triggers (constant SQL).</param>
    /// <param name="recomputeAllSql">Inserts every row from the runs into the empty table (constant SQL).</param>
    public static async Task InstallAsync(LabDbContext db, string table, string triggersSql, string recomputeAllSql, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (!db.Database.IsSqlite()) return; // the triggers and the leaderboard's SQL are SQLite's
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
#pragma warning disable EF1002, EF1003, CA2100 // constant SQL, built from constants by the callers
        await db.Database.ExecuteSqlRawAsync(triggersSql, cancellationToken);
        var empty = await db.Database.SqlQueryRaw<int>($"SELECT NOT EXISTS (SELECT 1 FROM {table}) AS Value").SingleAsync(cancellationToken) == 1;
        if (empty && await db.Runs.AnyAsync(r => r.Status == Runs.RunStatus.Succeeded, cancellationToken))
            await db.Database.ExecuteSqlRawAsync(recomputeAllSql, cancellationToken);
#pragma warning restore EF1002, EF1003, CA2100
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Empties the table and recomputes every row from the runs (a repair; install backfills on its own).</summary>
    public static async Task RebuildAsync(LabDbContext db, string table, string recomputeAllSql, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
#pragma warning disable EF1002, EF1003, CA2100 // constant SQL
        await db.Database.ExecuteSqlRawAsync($"DELETE FROM {table};\n" + recomputeAllSql, cancellationToken);
#pragma warning restore EF1002, EF1003, CA2100
        await transaction.CommitAsync(cancellationToken);
    }
}
