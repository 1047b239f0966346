using System.Collections.Concurrent;
using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Web.Live;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Runs;

/// <summary>Stores a running run's progress, at most a few times a second per run (reports can be far more frequent).</summary>
public sealed class RunProgressWriter(IDbContextFactory<LabDbContext> dbFactory, RunEvents events, TimeProvider clock)
{
    private static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(250);
    private readonly ConcurrentDictionary<long, DateTimeOffset> _lastWrite = new();

    public async ValueTask ReportAsync(long runId, double fraction, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (fraction < 1 && _lastWrite.TryGetValue(runId, out var last) && now - last < MinInterval) return;
        _lastWrite[runId] = now;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var changed = await db.Runs.Where(r => r.Id == runId).SetProgressAsync(fraction, cancellationToken);
        if (changed == 0) return;
        var run = await db.Runs.AsNoTracking().FirstAsync(r => r.Id == runId, cancellationToken);
        await events.PublishRunUpdatedAsync(run.ToUpdateMessage());
    }

    public void Forget(long runId) => _lastWrite.TryRemove(runId, out _);
}
