using LayerLab.Data;
using LayerLab.Data.Runs;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Workers;

/// <summary>A live worker as the portal shows it: its last heartbeat and the runs it is training now.</summary>
public sealed record WorkerStatus(string Name, string Device, IReadOnlyList<string> Queues, int Slots,
    DateTimeOffset FirstSeen, DateTimeOffset LastSeen, IReadOnlyList<long> RunningRunIds);

public sealed class WorkerStatusQuery(WorkerRegistry registry, IDbContextFactory<LabDbContext> dbFactory)
{
    public async Task<List<WorkerStatus>> AliveAsync(CancellationToken cancellationToken)
    {
        var alive = registry.Alive();
        if (alive.Count == 0) return [];
        var names = alive.Select(w => w.Name).ToList();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var running = await db.Runs.AsNoTracking()
            .Where(r => r.Status == RunStatus.Running && r.Worker != null && names.Contains(r.Worker))
            .Select(r => new { r.Id, r.Worker }).ToListAsync(cancellationToken);
        return [.. alive.Select(w => new WorkerStatus(w.Name, w.Device, w.Queues, w.Slots, w.FirstSeen, w.LastSeen,
            [.. running.Where(r => r.Worker == w.Name).Select(r => r.Id).Order()]))];
    }
}
