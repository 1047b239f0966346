using System.Diagnostics;
using Hangfire;
using LayerLab.Training.Checkpoints;
using LayerLab.Training.Contracts;
using Microsoft.Extensions.Logging;

namespace LayerLab.Training.Jobs;

/// <summary>
/// The Hangfire job that trains runs: one run, or a batch — the seeds of one sweep configuration (same experiment and
/// parameters) trained as one program through <see cref="ISeedBatchedExperiment"/> in one worker slot. A single run is
/// a batch of one. Hangfire delivers at least once; the claim on each run's row turns that into "runs once": a run
/// another delivery claimed is left out. While training, the job renews every claimed run's lease by heartbeat and
/// watches for cancels; each run ends on its own (completed, failed, cancelled), and a run whose lease was lost (the
/// portal queued it again) writes nothing more. Training stops when no run is left to train for. A run trained alone
/// checkpoints, so a retried attempt resumes where the last one stopped; a batch interrupted by shutdown starts over.
/// </summary>
public sealed partial class TrainRunJob(
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

    /// <summary>How often the job asks the ledger whether someone cancelled a run (for out-of-process workers; a
    /// cancel in this process is seen at once).</summary>
    public static TimeSpan CancelPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the worker's CPU, memory and GPU are recorded as system/ metrics of the runs it trains.</summary>
    public static TimeSpan SystemMetricsInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a stopping job waits for its last metrics to be stored before it saves its shutdown
    /// checkpoint (well inside the host's shutdown timeout; past it the previous checkpoint stands).</summary>
    private static readonly TimeSpan ShutdownSaveTimeout = TimeSpan.FromSeconds(5);

    public static string WorkerName { get; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    // No Hangfire retries: the run's row is the source of truth and start-up recovery re-queues interrupted runs.
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Train run {0}")]
    public Task RunAsync(RunSpec spec, CancellationToken shutdown)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return TrainAsync([spec], shutdown);
    }

    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Train runs together")]
    public Task RunBatchAsync(RunSpec[] specs, CancellationToken shutdown)
    {
        ArgumentNullException.ThrowIfNull(specs);
        return TrainAsync(specs, shutdown);
    }

    private async Task TrainAsync(RunSpec[] specs, CancellationToken shutdown)
    {
        if (specs.Length == 0) return;
        using var scope = specs.Length == 1 ? logger.BeginScope(new Dictionary<string, object> { ["RunId"] = specs[0].RunId }) : null;
        var device = TrainingDevice.Pick();
        var runs = new List<ClaimedRun>(specs.Length);
        try
        {
            foreach (var spec in specs)
            {
                var claim = await ledger.TryClaimAsync(spec.RunId, WorkerName, TrainingDevice.Describe(device), shutdown);
                if (claim is null)
                    logger.LogInformation("Run {RunId} was already claimed or finished; this delivery leaves it out", spec.RunId);
                else
                    runs.Add(new ClaimedRun(spec, claim.Attempt, new AttemptReporter(reporter), cancellation.Register(spec.RunId), claim.SystemClockStart));
            }
            if (runs.Count > 0) await TrainClaimedAsync(runs, together: specs.Length > 1, device, shutdown);
        }
        finally
        {
            foreach (var run in runs)
            {
                run.Dispose();
                cancellation.Unregister(run.RunId);
            }
        }
    }

    private async Task TrainClaimedAsync(List<ClaimedRun> runs, bool together, TorchSharp.torch.Device device, CancellationToken shutdown)
    {
        var experiment = catalog.Find(runs[0].Spec.ExperimentKey);
        if (!together && experiment is null)
        {
            await ledger.FailAsync(runs[0].RunId, runs[0].Attempt, $"Unknown experiment '{runs[0].Spec.ExperimentKey}'.", CancellationToken.None);
            return;
        }
        if (!together) runs[0].Checkpoints = CheckpointsFor(runs[0], shutdown);

        using var training = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        using var background = new CancellationTokenSource();
        using var wake = new SemaphoreSlim(0);
        foreach (var run in runs) run.OnUserCancel(() => wake.Release());
        var watch = Stopwatch.StartNew();
        var system = new SystemSampler(gpu: device.type == TorchSharp.DeviceType.CUDA);
        var watchers = Task.WhenAll(WatchCancelsAsync(runs, training, wake, background.Token), HeartbeatAsync(runs, training, background.Token),
            SampleSystemAsync(runs, system, watch, background.Token));
        var collections = GC.CollectionCount(0);
        try
        {
            var results = together ? await TrainTogetherAsync(experiment, runs, device, training.Token)
                : [await TrainAloneAsync(experiment!, runs[0], device, training.Token)];
            await ReportSystemAsync(runs, system, watch, CancellationToken.None); // a short run's only sample
            for (var i = 0; i < runs.Count; i++)
            {
                if (!runs[i].TryEnd(ClaimedRunState.Done)) continue;
                await runs[i].ResumeRecorded;
                await ledger.CompleteAsync(runs[i].RunId, runs[i].Attempt, results[i], CancellationToken.None);
                ForgetCheckpoints(runs[i]);
            }
            LogTrained(runs, together, watch.Elapsed, GC.CollectionCount(0) - collections);
        }
        catch (OperationCanceledException) when (training.IsCancellationRequested)
        {
            if (shutdown.IsCancellationRequested)
            {
                await ReleaseAtShutdownAsync(runs);
                throw;
            }
            // Otherwise every run was cancelled or lost its lease, and each has been dealt with already.
            foreach (var run in runs.Where(r => r.State == ClaimedRunState.Cancelled)) ForgetCheckpoints(run);
            logger.LogInformation("Training of run(s) {RunIds} stopped after {Seconds:F2} s: none is left to train for",
                Ids(runs), watch.Elapsed.TotalSeconds);
        }
        catch (Exception ex)
        {
            // Divergence, out of memory and every other error end each run Failed, once: the row's attempt guards
            // against a second delivery, and Hangfire does not retry (see AutomaticRetry above).
            logger.LogError(ex, "Run(s) {RunIds} failed", Ids(runs));
            var error = TrainingFailure.Describe(ex);
            foreach (var run in runs)
            {
                if (!run.TryEnd(ClaimedRunState.Done)) continue;
                await ledger.FailAsync(run.RunId, run.Attempt, error, CancellationToken.None);
                ForgetCheckpoints(run);
            }
        }
        finally
        {
            foreach (var run in runs) run.StopWatching(); // before `wake` goes away
            await background.CancelAsync();
            await watchers;
            foreach (var run in runs) await run.ResumeRecorded;
        }
    }

    private async Task<RunResult> TrainAloneAsync(IExperiment experiment, ClaimedRun run, TorchSharp.torch.Device device, CancellationToken token)
    {
        var parameters = RunParameters.FromJson(run.Spec.ParametersJson, experiment.Parameters);
        var context = new RunContext(run.RunId, parameters, run.Spec.Seed, device, run.Reporter, logger, run.Checkpoints);
        logger.LogInformation("Training {Experiment} run {RunId} (attempt {Attempt}) on {Device}", experiment.Key, run.RunId, run.Attempt, context.Device);
        return await WithScalarRaceRetryAsync(() => experiment.TrainAsync(context, token));
    }

    private async Task<IReadOnlyList<RunResult>> TrainTogetherAsync(
        IExperiment? found, List<ClaimedRun> runs, TorchSharp.torch.Device device, CancellationToken token)
    {
        var key = runs[0].Spec.ExperimentKey;
        if (found is not ISeedBatchedExperiment experiment)
            throw new InvalidOperationException($"Experiment '{key}' is unknown or cannot train runs together.");
        if (runs.Any(r => r.Spec.ExperimentKey != key))
            throw new InvalidOperationException("A batch must hold runs of one experiment.");
        var contexts = runs.Select(r => new RunContext(
            r.RunId, RunParameters.FromJson(r.Spec.ParametersJson, experiment.Parameters), r.Spec.Seed, device, r.Reporter, logger)).ToList();
        logger.LogInformation("Training {Experiment} runs {RunIds} together on {Device}", key, Ids(runs), device);
        return await WithScalarRaceRetryAsync(() => experiment.TrainSeedsAsync(contexts, token));
    }

    /// <summary>
    /// Trains, and once more if TorchSharp 0.107's temporary-Scalar race hit (a GC freed a native Scalar libtorch was
    /// still reading: "Scalar.h" assertions, dotnet/TorchSharp PR 1434) — from the last checkpoint when the experiment
    /// has one, else from the start. Training is seeded, so the second pass reports the same (run, metric, step)
    /// points again and ingestion ignores the repeats.
    /// </summary>
    private async Task<T> WithScalarRaceRetryAsync<T>(Func<Task<T>> train)
    {
        try
        {
            return await train();
        }
        catch (System.Runtime.InteropServices.ExternalException ex) when (IsScalarRace(ex))
        {
            logger.LogWarning(ex, "Training hit TorchSharp's temporary-Scalar race; training again from the start");
            return await train();
        }
    }

    internal static bool IsScalarRace(System.Runtime.InteropServices.ExternalException ex) =>
        ex.Message.Contains("Scalar.h", StringComparison.Ordinal);

    private void LogTrained(List<ClaimedRun> runs, bool together, TimeSpan elapsed, int collections)
    {
        if (together)
            logger.LogInformation("Runs {RunIds} trained together in {Seconds:F2} s", Ids(runs), elapsed.TotalSeconds);
        else if (runs[0].State == ClaimedRunState.Done)
            logger.LogInformation("Run {RunId} succeeded in {Seconds:F2} s ({Collections} gen0 GCs)", runs[0].RunId, elapsed.TotalSeconds, collections);
    }

    private static string Ids(List<ClaimedRun> runs) => string.Join(",", runs.Select(r => r.RunId));
}
