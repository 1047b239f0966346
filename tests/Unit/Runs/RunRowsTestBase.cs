using LayerLab.Data.Runs;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Tests.Unit.Runs;

/// <summary>
/// Run rows added directly to a migrated SQLite file per test (<see cref="MigratedFileTest"/>), for the tests of the run's transitions: they
/// read back what one write left in the row, so each test gets its own file and a cleared change tracker.
/// </summary>
public abstract class RunRowsTestBase : MigratedFileTest
{
    protected static readonly DateTimeOffset Now = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
    protected static readonly RunLease Lease = new("host:1", "token:7/host:1", "cpu", TimeSpan.FromMinutes(2));
    /// <summary>A xor-prelu run in <paramref name="status"/>, queued an hour before <see cref="Now"/>, shaped further by the caller.</summary>
    protected async Task<long> AddAsync(RunStatus status, Action<Run>? shape = null)
    {
        var run = new Run { ExperimentKey = "xor-prelu", ParametersJson = "{}", Status = status, QueuedAt = Now.AddHours(-1) };
        shape?.Invoke(run);
        Db.Runs.Add(run);
        await Db.SaveChangesAsync();
        Db.ChangeTracker.Clear();
        return run.Id;
    }

    protected Task<Run> LoadAsync(long id) => Db.Runs.AsNoTracking().SingleAsync(r => r.Id == id);
}
