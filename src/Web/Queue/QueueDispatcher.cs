using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Training.Jobs;
using LayerLab.Web.Live;
using LayerLab.Web.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LayerLab.Web.Queue;

/// <summary>
/// Feeds Hangfire from SQLite: keeps at most <see cref="DispatchAhead"/> runs dispatched-but-not-started, and picks
/// them in <see cref="FairOrder"/>. Wakes on every submit (RunQueue.Enqueue), claim and run end (RunEvents), and on
/// a short timer as a safety net. One pass at a time (a single loop), so two passes never pick the same slot.
/// </summary>
public sealed partial class QueueDispatcher(
    IDbContextFactory<LabDbContext> dbFactory,
    HangfireHandOff queue,
    DispatchSignal signal,
    RunEvents events,
    IOptions<QueueOptions> options,
    IOptions<Workers.WorkerOptions> worker,
    TimeProvider clock,
    Workers.WorkerRegistry workers,
    ILogger<QueueDispatcher> logger) : BackgroundService
{
    /// <summary>Runs allowed to wait in Hangfire at once. Default: the slots of every worker alive (the in-process
    /// worker's count plus the slots remote workers announce in their heartbeats); at least 1.</summary>
    public int DispatchAhead => Math.Max(1, options.Value.DispatchAhead ??
        (worker.Value.Enabled ? worker.Value.Count : 0) + workers.Alive().Sum(w => w.Slots));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var recheck = TimeSpan.FromSeconds(Math.Clamp(options.Value.RecheckSeconds, 0.1, 60));
        events.RunUpdated += OnRunUpdated;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await DispatchAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A locked database or a Hangfire storage hiccup: the next wake or tick tries again.
                    LogDispatchFailed(ex);
                }
                await signal.WaitAsync(recheck, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
        finally
        {
            events.RunUpdated -= OnRunUpdated;
        }
    }

    // A claim (Running at progress 0) frees a dispatch slot; an end frees a worker. Progress reports do neither.
    private void OnRunUpdated(RunUpdatedMessage message)
    {
        if (message.Status != RunStatus.Running || message.Progress == 0) signal.Wake();
    }

    /// <summary>One pass: fills the free dispatch slots in fair order. Returns how many runs it handed to Hangfire.</summary>
    public async Task<int> DispatchAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // A batch (runs sharing a BatchKey) waits in Hangfire as one job: it counts as one slot.
        var waiting = await db.Runs
            .Where(r => r.Source == RunSource.Catalog && r.Status == RunStatus.Queued && r.DispatchedAt != null)
            .Select(r => r.BatchKey ?? "#" + r.Id).Distinct().CountAsync(cancellationToken);
        var free = DispatchAhead - waiting;
        if (free <= 0) return 0;
        var pending = await QueueQueries.TopPerOwnerAsync(db, free, cancellationToken);
        if (pending.Count == 0) return 0;
        var active = await QueueQueries.ActiveByOwnerAsync(db, cancellationToken);
        var dispatched = 0;
        foreach (var next in FairOrder.Order(pending, active, free))
            if (await TryDispatchAsync(db, next.RunId, cancellationToken)) dispatched++;
        return dispatched;
    }

    /// <summary>Marks the run dispatched (compare-and-set: still Queued, not dispatched, not cancelled), then creates
    /// its Hangfire job. A run cancelled in between is skipped; a duplicate delivery is harmless anyway (the claim).
    /// A run with a batch key takes every sibling that is still waiting the same way, and they go as one job.</summary>
    private async Task<bool> TryDispatchAsync(LabDbContext db, long runId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (!await TryMarkAsync(db, runId, now, cancellationToken)) return false;
        var run = await db.Runs.AsNoTracking().Where(r => r.Id == runId)
            .Select(r => new { r.ExperimentKey, r.ParametersJson, r.Seed, r.BatchKey }).FirstAsync(cancellationToken);
        var specs = new List<RunSpec> { new(runId, run.ExperimentKey, run.ParametersJson, run.Seed) };
        if (run.BatchKey is not null) specs.AddRange(await TakeSiblingsAsync(db, runId, run.BatchKey, now, cancellationToken));
        var ids = specs.Select(s => s.RunId).ToList();
        string jobId;
        try
        {
            jobId = specs.Count == 1 ? queue.HandToWorkers(specs[0]) : queue.HandToWorkers(specs);
        }
        catch
        {
            await db.Runs.Where(r => ids.Contains(r.Id)).ExecuteUpdateAsync(s => s.SetProperty(r => r.DispatchedAt, (DateTimeOffset?)null), CancellationToken.None);
            throw;
        }
        await db.Runs.Where(r => ids.Contains(r.Id)).ExecuteUpdateAsync(s => s.SetProperty(r => r.HangfireJobId, jobId), cancellationToken);
        LogDispatched(string.Join(",", ids), jobId);
        return true;
    }

    private static async Task<bool> TryMarkAsync(LabDbContext db, long runId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await db.Runs
            .Where(r => r.Id == runId && r.Status == RunStatus.Queued && r.DispatchedAt == null && !r.CancelRequested)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.DispatchedAt, now), cancellationToken) == 1;

    /// <summary>The other waiting runs of the batch, each marked dispatched by the same compare-and-set (one another
    /// pass or a cancel got first is simply left out). Same experiment and parameters by construction of the key.</summary>
    private static async Task<List<RunSpec>> TakeSiblingsAsync(
        LabDbContext db, long runId, string batchKey, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var siblings = await db.Runs.AsNoTracking()
            .Where(r => r.BatchKey == batchKey && r.Id != runId && r.Source == RunSource.Catalog &&
                        r.Status == RunStatus.Queued && r.DispatchedAt == null && !r.CancelRequested)
            .OrderBy(r => r.Id)
            .Select(r => new RunSpec(r.Id, r.ExperimentKey, r.ParametersJson, r.Seed)).ToListAsync(cancellationToken);
        var taken = new List<RunSpec>(siblings.Count);
        foreach (var sibling in siblings)
            if (await TryMarkAsync(db, sibling.RunId, now, cancellationToken)) taken.Add(sibling);
        return taken;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dispatched run(s) {RunIds} as Hangfire job {JobId}")]
    private partial void LogDispatched(string runIds, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dispatch pass failed; retrying on the next wake")]
    private partial void LogDispatchFailed(Exception ex);
}
