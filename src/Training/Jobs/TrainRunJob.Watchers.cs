using System.Diagnostics;
using LayerLab.Training.Checkpoints;
using Microsoft.Extensions.Logging;

namespace LayerLab.Training.Jobs;

// What runs beside training: the heartbeat, the cancel watcher, checkpoints, and the hand-back at shutdown.
public sealed partial class TrainRunJob
{
    /// <summary>Ends each run whose cancel was requested (in this process: at once; elsewhere: at the next poll of the
    /// ledger); stops training when none is left. A batch's other runs train on.</summary>
    private Task WatchCancelsAsync(List<ClaimedRun> runs, CancellationTokenSource training, SemaphoreSlim wake, CancellationToken stop) => Task.Run(async () =>
    {
        try
        {
            while (true)
            {
                await wake.WaitAsync(CancelPollInterval, stop);
                foreach (var run in runs.Where(r => r.IsTraining))
                {
                    if (!run.UserCancel.IsCancellationRequested && !await ledger.IsCancelRequestedAsync(run.RunId, stop)) continue;
                    if (!run.TryEnd(ClaimedRunState.Cancelled)) continue;
                    run.Silence();
                    // The last run's cancel stops training first, so the loop ends within a step.
                    await StopWhenNoneLeftAsync(runs, training);
                    await ledger.MarkCancelledAsync(run.RunId, run.Attempt, CancellationToken.None);
                    logger.LogInformation("Run {RunId} cancelled", run.RunId);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Training ended; the watcher stops with it.
        }
    }, CancellationToken.None);

    /// <summary>Every <see cref="SystemMetricsInterval"/>, reports the worker's CPU, memory (and GPU) as system/ metrics
    /// of every run training; the step is whole seconds since this attempt started, counted on from the run's
    /// earlier attempts (<see cref="RunClaim.SystemClockStart"/>). <see cref="ReportSystemAsync"/> adds
    /// a last sample when training ends, so even a run shorter than the interval has one.</summary>
    private Task SampleSystemAsync(List<ClaimedRun> runs, SystemSampler sampler, Stopwatch started, CancellationToken stop) => Task.Run(async () =>
    {
        try
        {
            while (true)
            {
                await Task.Delay(SystemMetricsInterval, stop);
                await ReportSystemAsync(runs, sampler, started, stop);
            }
        }
        catch (OperationCanceledException)
        {
            // Training ended; sampling stops with it.
        }
    }, CancellationToken.None);

    private async Task ReportSystemAsync(List<ClaimedRun> runs, SystemSampler sampler, Stopwatch started, CancellationToken stop)
    {
        var metrics = await sampler.SampleAsync(stop);
        var seconds = (long)Math.Ceiling(started.Elapsed.TotalSeconds);
        foreach (var run in runs.Where(r => r.IsTraining))
        {
            var step = run.SystemClockStart + seconds;
            var samples = metrics.Select(m => new Contracts.MetricSample(m.Key, step, m.Value)).ToList();
            try { await run.Reporter.ReportMetricsAsync(run.RunId, samples, stop); }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Run {RunId}: system metrics not reported", run.RunId); // never fails the run
            }
        }
    }

    /// <summary>Renews every training run's lease; a run whose lease is lost writes nothing more.</summary>
    private Task HeartbeatAsync(List<ClaimedRun> runs, CancellationTokenSource training, CancellationToken stop) => Task.Run(async () =>
    {
        using var timer = new PeriodicTimer(_lease.Heartbeat);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                foreach (var run in runs.Where(r => r.IsTraining))
                {
                    bool renewed;
                    try
                    {
                        renewed = await ledger.RenewLeaseAsync(run.RunId, run.Attempt, stop);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // A transient failure (database busy, portal unreachable): try again at the next beat; if the
                        // lease runs out meanwhile, the next renewal says so.
                        logger.LogWarning(ex, "Run {RunId}: lease renewal failed; retrying", run.RunId);
                        continue;
                    }
                    if (renewed || !run.TryEnd(ClaimedRunState.LeaseLost)) continue;
                    run.Silence();
                    logger.LogWarning("Run {RunId} attempt {Attempt} lost its lease; it stops and writes nothing more", run.RunId, run.Attempt);
                }
                await StopWhenNoneLeftAsync(runs, training);
            }
        }
        catch (OperationCanceledException)
        {
            // Training ended; the heartbeat stops with it.
        }
    }, CancellationToken.None);

    private static async Task StopWhenNoneLeftAsync(List<ClaimedRun> runs, CancellationTokenSource training)
    {
        if (runs.All(r => !r.IsTraining)) await training.CancelAsync();
    }

    /// <summary>The worker is stopping: runs still training go back to the queue (a run trained alone saves its
    /// checkpoint first, so the next attempt resumes from it); a cancel requested meanwhile still ends a run Cancelled.</summary>
    private async Task ReleaseAtShutdownAsync(List<ClaimedRun> runs)
    {
        foreach (var run in runs)
        {
            if (!run.TryEnd(ClaimedRunState.Done)) continue;
            if (run.UserCancel.IsCancellationRequested || await ledger.IsCancelRequestedAsync(run.RunId, CancellationToken.None))
            {
                await ledger.MarkCancelledAsync(run.RunId, run.Attempt, CancellationToken.None);
                ForgetCheckpoints(run);
                continue;
            }
            // The loop captured its state as it stopped; saved once its reports are stored, the next attempt resumes from it.
            if (run.Checkpoints is { } checkpoints) await checkpoints.SaveAtShutdownAsync(ShutdownSaveTimeout);
            logger.LogWarning("Worker shutting down; run {RunId} goes back to the queue", run.RunId);
            await ledger.ReleaseAsync(run.RunId, run.Attempt, CancellationToken.None);
        }
    }

    private RunCheckpoints CheckpointsFor(ClaimedRun run, CancellationToken shutdown)
    {
        var spec = run.Spec;
        var checkpoints = new RunCheckpoints(
            _checkpointing.IntervalSeconds > 0 ? checkpointStore : null, spec.RunId,
            RunCheckpoints.Fingerprint(spec.ExperimentKey, spec.ParametersJson, spec.Seed), _checkpointing.Interval, shutdown, logger);
        // Resume() runs on the training thread: the ledger call goes on in the background and is awaited before the
        // run ends, so the row says where this attempt resumed while it trains.
        checkpoints.FlushReports = run.Reporter.FlushAsync;
        checkpoints.Resumed = step => run.ResumeRecorded = RecordResumeAsync(run, step);
        return checkpoints;
    }

    /// <summary>Only a label on the run: a failure to record it is logged, never a reason to stop training.</summary>
    private async Task RecordResumeAsync(ClaimedRun run, long step)
    {
        try
        {
            await ledger.RecordResumeAsync(run.RunId, run.Attempt, step, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Run {RunId}: the resume step {Step} was not recorded", run.RunId, step);
        }
    }

    /// <summary>The run has ended: nothing will resume it. A stale attempt leaves the files to the current one.</summary>
    private void ForgetCheckpoints(ClaimedRun run)
    {
        if (run.Checkpoints is null || run.State == ClaimedRunState.LeaseLost || checkpointStore is null) return;
        try { checkpointStore.Delete(run.RunId); }
        catch (IOException ex) { logger.LogWarning(ex, "Run {RunId}: checkpoints not deleted", run.RunId); }
    }
}
