using System.Diagnostics;
using Hangfire;
using LayerLab.Training.Checkpoints;
using LayerLab.Training.Contracts;
using Microsoft.Extensions.Logging;

namespace LayerLab.Training.Jobs;

/// <summary>
/// The Hangfire job that trains one run. Hangfire delivers at least once; the claim on the run's row turns that
/// into "runs once": a second delivery finds the run no longer Queued and returns without doing anything.
/// While training, the job renews its lease by heartbeat; a lost lease (the portal queued the run again) stops
/// training and this attempt writes nothing more. Checkpoints let a retried attempt resume where the last one stopped.
/// </summary>
public sealed class TrainRunJob(
    ExperimentCatalog catalog,
    IRunLedger ledger,
    IRunReporter reporter,
    RunCancellation cancellation,
    ILogger<TrainRunJob> logger,
    ICheckpointStore? checkpointStore = null,
    CheckpointOptions? checkpointOptions = null,
    RunLeaseOptions? leaseOptions = null)
{
    private readonly RunLeaseOptions _lease = leaseOptions ?? new RunLeaseOptions();
    private readonly CheckpointOptions _checkpointing = checkpointOptions ?? new CheckpointOptions();

    /// <summary>How often the job asks the ledger whether someone cancelled the run (for out-of-process workers).</summary>
    public static TimeSpan CancelPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a stopping job waits for its last metrics to be stored before it saves its shutdown
    /// checkpoint (well inside the host's shutdown timeout; past it the previous checkpoint stands).</summary>
    private static readonly TimeSpan ShutdownSaveTimeout = TimeSpan.FromSeconds(5);

    public static string WorkerName { get; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    // No Hangfire retries: the run's row is the source of truth and start-up recovery re-queues interrupted runs.
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Train run {0}")]
    public async Task RunAsync(RunSpec spec, CancellationToken shutdown)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["RunId"] = spec.RunId });
        var device = TrainingDevice.Pick();
        var claim = await ledger.TryClaimAsync(spec.RunId, WorkerName, TrainingDevice.Describe(device), shutdown);
        if (claim is null)
        {
            logger.LogInformation("Run {RunId} was already claimed or finished; this delivery does nothing", spec.RunId);
            return;
        }

        var experiment = catalog.Find(spec.ExperimentKey);
        if (experiment is null)
        {
            await ledger.FailAsync(spec.RunId, claim.Attempt, $"Unknown experiment '{spec.ExperimentKey}'.", CancellationToken.None);
            return;
        }

        var userCancel = cancellation.Register(spec.RunId);
        using var leaseLost = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(shutdown, userCancel, leaseLost.Token);
        var attemptReporter = new AttemptReporter(reporter);
        var checkpoints = new RunCheckpoints(
            _checkpointing.IntervalSeconds > 0 ? checkpointStore : null, spec.RunId,
            RunCheckpoints.Fingerprint(spec.ExperimentKey, spec.ParametersJson, spec.Seed), _checkpointing.Interval, shutdown, logger);
        // Resume() runs on the training thread: the ledger call goes on in the background and is awaited before the
        // run ends, so the row says where this attempt resumed while it trains.
        checkpoints.FlushReports = attemptReporter.FlushAsync;
        var resumeRecorded = Task.CompletedTask;
        checkpoints.Resumed = step => resumeRecorded = RecordResumeAsync(spec.RunId, claim.Attempt, step);
        var poller = PollForCancelAsync(spec.RunId, linked);
        var heartbeat = HeartbeatAsync(spec.RunId, claim.Attempt, linked, leaseLost, () =>
        {
            checkpoints.Disable();
            attemptReporter.Stop();
        });
        var watch = Stopwatch.StartNew();
        var collections = GC.CollectionCount(0);
        try
        {
            var parameters = RunParameters.FromJson(spec.ParametersJson, experiment.Parameters);
            var context = new RunContext(spec.RunId, parameters, spec.Seed, device, attemptReporter, logger, checkpoints);
            logger.LogInformation("Training {Experiment} run {RunId} (attempt {Attempt}) on {Device}",
                experiment.Key, spec.RunId, claim.Attempt, context.Device);
            var result = await TrainWithRetryAsync(experiment, context, linked.Token);
            await resumeRecorded;
            await ledger.CompleteAsync(spec.RunId, claim.Attempt, result, CancellationToken.None);
            logger.LogInformation("Run {RunId} succeeded in {Seconds:F2} s ({Collections} gen0 GCs)",
                spec.RunId, watch.Elapsed.TotalSeconds, GC.CollectionCount(0) - collections);
            ForgetCheckpoints(spec.RunId, leaseLost);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            if (leaseLost.IsCancellationRequested)
            {
                logger.LogWarning("Run {RunId} attempt {Attempt} lost its lease; it stops and writes nothing more", spec.RunId, claim.Attempt);
                return;
            }
            if (shutdown.IsCancellationRequested && !userCancel.IsCancellationRequested &&
                !await ledger.IsCancelRequestedAsync(spec.RunId, CancellationToken.None))
            {
                // The loop captured its state as it stopped; saved once its reports are stored, the next attempt resumes from it.
                await checkpoints.SaveAtShutdownAsync(ShutdownSaveTimeout);
                logger.LogWarning("Worker shutting down; run {RunId} goes back to the queue", spec.RunId);
                await ledger.ReleaseAsync(spec.RunId, claim.Attempt, CancellationToken.None);
                throw;
            }
            await ledger.MarkCancelledAsync(spec.RunId, claim.Attempt, CancellationToken.None);
            logger.LogInformation("Run {RunId} cancelled after {Seconds:F2} s", spec.RunId, watch.Elapsed.TotalSeconds);
            ForgetCheckpoints(spec.RunId, leaseLost);
        }
        catch (Exception ex)
        {
            // Divergence, out of memory and every other error end the run Failed, once: the row's attempt guards
            // against a second delivery, and Hangfire does not retry (see AutomaticRetry above).
            logger.LogError(ex, "Run {RunId} failed", spec.RunId);
            await ledger.FailAsync(spec.RunId, claim.Attempt, TrainingFailure.Describe(ex), CancellationToken.None);
            ForgetCheckpoints(spec.RunId, leaseLost);
        }
        finally
        {
            await linked.CancelAsync(); // stops the poller and the heartbeat
            await resumeRecorded;
            await poller;
            await heartbeat;
            cancellation.Unregister(spec.RunId);
        }
    }

    /// <summary>Only a label on the run: a failure to record it is logged, never a reason to stop training.</summary>
    private async Task RecordResumeAsync(long runId, int attempt, long step)
    {
        try
        {
            await ledger.RecordResumeAsync(runId, attempt, step, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Run {RunId}: the resume step {Step} was not recorded", runId, step);
        }
    }

    /// <summary>The run has ended: nothing will resume it. A stale attempt leaves the files to the current one.</summary>
    private void ForgetCheckpoints(long runId, CancellationTokenSource leaseLost)
    {
        if (leaseLost.IsCancellationRequested || checkpointStore is null) return;
        try { checkpointStore.Delete(runId); }
        catch (IOException ex) { logger.LogWarning(ex, "Run {RunId}: checkpoints not deleted", runId); }
    }

    /// <summary>Renews the attempt's lease; when the ledger says it is lost, stops this attempt's writes, then training.</summary>
    private Task HeartbeatAsync(long runId, int attempt, CancellationTokenSource linked, CancellationTokenSource leaseLost, Action onLost) =>
        Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(_lease.Heartbeat);
            try
            {
                while (await timer.WaitForNextTickAsync(linked.Token))
                {
                    bool renewed;
                    try
                    {
                        renewed = await ledger.RenewLeaseAsync(runId, attempt, linked.Token);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // A transient failure (database busy, portal unreachable): try again at the next beat; if the
                        // lease runs out meanwhile, the next renewal says so.
                        logger.LogWarning(ex, "Run {RunId}: lease renewal failed; retrying", runId);
                        continue;
                    }
                    if (renewed) continue;
                    onLost();
                    await leaseLost.CancelAsync();
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                // The run ended; the heartbeat stops with it.
            }
        });

    /// <summary>
    /// Trains, and once more if TorchSharp 0.107's temporary-Scalar race hit (a GC freed a native Scalar libtorch was
    /// still reading: "Scalar.h" assertions, dotnet/TorchSharp PR 1434) — from the last checkpoint when the experiment
    /// has one, else from the start. Training is seeded, so the second pass reports the same (run, metric, step)
    /// points again and ingestion ignores the repeats.
    /// </summary>
    private async Task<RunResult> TrainWithRetryAsync(IExperiment experiment, RunContext context, CancellationToken token)
    {
        try
        {
            return await experiment.TrainAsync(context, token);
        }
        catch (System.Runtime.InteropServices.ExternalException ex) when (IsScalarRace(ex))
        {
            logger.LogWarning(ex, "Run {RunId} hit TorchSharp's temporary-Scalar race; training it again from the start", context.RunId);
            return await experiment.TrainAsync(context, token);
        }
    }

    internal static bool IsScalarRace(System.Runtime.InteropServices.ExternalException ex) =>
        ex.Message.Contains("Scalar.h", StringComparison.Ordinal);

    private Task PollForCancelAsync(long runId, CancellationTokenSource linked) => Task.Run(async () =>
    {
        using var timer = new PeriodicTimer(CancelPollInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(linked.Token))
            {
                if (!await ledger.IsCancelRequestedAsync(runId, linked.Token)) continue;
                await linked.CancelAsync();
                return;
            }
        }
        catch (OperationCanceledException)
        {
            // The run ended or was cancelled; polling stops with it.
        }
    });
}
