using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Data.Sweeps;

public static class RunJobIds
{
    /// <summary>
    /// Records the Hangfire job id of many runs: one prepared UPDATE reused inside one transaction (EF's change
    /// tracker took about a second for 1,000 rows on a loaded machine; this is a few milliseconds).
    /// </summary>
    public static async Task SetJobIdsAsync(this LabDbContext db, IReadOnlyCollection<(long RunId, string? JobId)> jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(jobs);
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.Transaction = (SqliteTransaction)transaction;
            command.CommandText = "UPDATE Runs SET HangfireJobId = $job WHERE Id = $id";
            var job = command.Parameters.Add("$job", SqliteType.Text);
            var id = command.Parameters.Add("$id", SqliteType.Integer);
            await command.PrepareAsync(cancellationToken);
            foreach (var (runId, jobId) in jobs)
            {
                job.Value = (object?)jobId ?? DBNull.Value;
                id.Value = runId;
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
