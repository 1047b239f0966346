using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Training.Jobs;
using LayerLab.Web.Hosting;
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
    RunQueue queue,
    DispatchSignal signal,
    RunEvents events,
    IOptions<LayerLabOptions> options,
    TimeProvider clock,
    Workers.WorkerRegistry workers,
    ILogger<QueueDispatcher> logger) : BackgroundService
{
    /// <summary>Runs allowed to wait in Hangfire at once. Default: the slots of every worker alive (the in-process
    /// worker's count plus the slots remote workers announce in their heartbeats); at least 1.</summary>
    public int DispatchAhead => Math.Max(1, options.Value.Queue.DispatchAhead ??
        (options.Value.Worker.Enabled ? options.Value.Worker.Count : 0) + workers.Alive().Sum(w => w.Slots));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var recheck = TimeSpan.FromSeconds(Math.Clamp(options.Value.Queue.RecheckSeconds, 0.1, 60));
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
        var waiting = await db.Runs.CountAsync(r => r.Source == RunSource.Catalog && r.Status == RunStatus.Queued && r.DispatchedAt != null, cancellationToken);
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
    /// its Hangfire job. A run cancelled in between is skipped; a duplicate delivery is harmless anyway (the claim).</summary>
    private async Task<bool> TryDispatchAsync(LabDbContext db, long runId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var marked = await db.Runs
            .Where(r => r.Id == runId && r.Status == RunStatus.Queued && r.DispatchedAt == null && !r.CancelRequested)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.DispatchedAt, now), cancellationToken);
        if (marked == 0) return false;
        var run = await db.Runs.AsNoTracking().Where(r => r.Id == runId)
            .Select(r => new { r.ExperimentKey, r.ParametersJson, r.Seed }).FirstAsync(cancellationToken);
        string jobId;
        try
        {
            jobId = queue.HandToWorkers(new RunSpec(runId, run.ExperimentKey, run.ParametersJson, run.Seed));
        }
        catch
        {
            await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.DispatchedAt, (DateTimeOffset?)null), CancellationToken.None);
            throw;
        }
        await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.HangfireJobId, jobId), cancellationToken);
        LogDispatched(runId, jobId);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dispatched run {RunId} as Hangfire job {JobId}")]
    private partial void LogDispatched(long runId, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dispatch pass failed; retrying on the next wake")]
    private partial void LogDispatchFailed(Exception ex);
}
