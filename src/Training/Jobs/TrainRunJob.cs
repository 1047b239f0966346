using System.Diagnostics;
using Hangfire;
using LayerLab.Training.Contracts;
using Microsoft.Extensions.Logging;

namespace LayerLab.Training.Jobs;

/// <summary>
/// The Hangfire job that trains one run. Hangfire delivers at least once; the claim on the run's row turns that
/// into "runs once": a second delivery finds the run no longer Queued and returns without doing anything.
/// </summary>
public sealed class TrainRunJob(
    ExperimentCatalog catalog,
    IRunLedger ledger,
    IRunReporter reporter,
    RunCancellation cancellation,
    ILogger<TrainRunJob> logger)
{
    /// <summary>How often the job asks the ledger whether someone cancelled the run (for out-of-process workers).</summary>
    public static TimeSpan CancelPollInterval { get; set; } = TimeSpan.FromSeconds(1);

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
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(shutdown, userCancel);
        var poller = PollForCancelAsync(spec.RunId, linked);
        var watch = Stopwatch.StartNew();
        var collections = GC.CollectionCount(0);
        try
        {
            var parameters = RunParameters.FromJson(spec.ParametersJson, experiment.Parameters);
            var context = new RunContext(spec.RunId, parameters, spec.Seed, device, reporter, logger);
            logger.LogInformation("Training {Experiment} run {RunId} (attempt {Attempt}) on {Device}",
                experiment.Key, spec.RunId, claim.Attempt, context.Device);
            var result = await TrainWithRetryAsync(experiment, context, linked.Token);
            await ledger.CompleteAsync(spec.RunId, claim.Attempt, result, CancellationToken.None);
            logger.LogInformation("Run {RunId} succeeded in {Seconds:F2} s ({Collections} gen0 GCs)",
                spec.RunId, watch.Elapsed.TotalSeconds, GC.CollectionCount(0) - collections);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            if (shutdown.IsCancellationRequested && !userCancel.IsCancellationRequested &&
                !await ledger.IsCancelRequestedAsync(spec.RunId, CancellationToken.None))
            {
                logger.LogWarning("Worker shutting down; run {RunId} goes back to the queue", spec.RunId);
                await ledger.ReleaseAsync(spec.RunId, claim.Attempt, CancellationToken.None);
                throw;
            }
            await ledger.MarkCancelledAsync(spec.RunId, claim.Attempt, CancellationToken.None);
            logger.LogInformation("Run {RunId} cancelled after {Seconds:F2} s", spec.RunId, watch.Elapsed.TotalSeconds);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Run {RunId} failed", spec.RunId);
            await ledger.FailAsync(spec.RunId, claim.Attempt, $"{ex.GetType().Name}: {ex.Message}", CancellationToken.None);
        }
        finally
        {
            await linked.CancelAsync(); // stops the poller
            await poller;
            cancellation.Unregister(spec.RunId);
        }
    }

    /// <summary>
    /// Trains, and once more from the start if TorchSharp 0.107's temporary-Scalar race hit (a GC freed a native
    /// Scalar libtorch was still reading: "Scalar.h" assertions, dotnet/TorchSharp PR 1434). Training is seeded, so
    /// the second pass reports the same (run, metric, step) points again and ingestion ignores the repeats.
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

    private static bool IsScalarRace(System.Runtime.InteropServices.ExternalException ex) =>
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
