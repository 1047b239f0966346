using System.Diagnostics;
using Hangfire;
using LayerLab.Training.Contracts;
using Microsoft.Extensions.Logging;

namespace LayerLab.Training.Jobs;

/// <summary>
/// The Hangfire job that trains a batch of runs (the seeds of one sweep configuration, same experiment and parameters)
/// as one program through <see cref="ISeedBatchedExperiment"/>, in one worker slot. Each run keeps its own row:
/// the job claims each with the same compare-and-set as <see cref="TrainRunJob"/> (runs it cannot claim are left out),
/// renews every claimed run's lease, trains once, then completes or fails each run separately.
/// Cancelling one run of the batch marks it Cancelled at once and discards its results (its live metrics stop too);
/// the others train on. Training stops only when no run of the batch is left to train for (all cancelled or their
/// leases lost). No checkpoints: a batch interrupted by shutdown goes back to the queue and starts over.
/// </summary>
public sealed class TrainRunBatchJob(
    ExperimentCatalog catalog,
    IRunLedger ledger,
    IRunReporter reporter,
    RunCancellation cancellation,
    ILogger<TrainRunBatchJob> logger,
    RunLeaseOptions? leaseOptions = null)
{
    private readonly RunLeaseOptions _lease = leaseOptions ?? new RunLeaseOptions();

    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Train runs together")]
    public async Task RunAsync(RunSpec[] specs, CancellationToken shutdown)
    {
        ArgumentNullException.ThrowIfNull(specs);
        if (specs.Length == 0) return;
        var device = TrainingDevice.Pick();
        var members = new List<Member>(specs.Length);
        foreach (var spec in specs)
        {
            var claim = await ledger.TryClaimAsync(spec.RunId, TrainRunJob.WorkerName, TrainingDevice.Describe(device), shutdown);
            if (claim is null)
                logger.LogInformation("Run {RunId} was already claimed or finished; the batch leaves it out", spec.RunId);
            else
                members.Add(new Member(spec, claim.Attempt, new AttemptReporter(reporter), cancellation.Register(spec.RunId)));
        }
        if (members.Count == 0) return;

        using var training = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        using var background = new CancellationTokenSource();
        var watchers = Task.WhenAll(WatchCancelsAsync(members, training, background.Token), HeartbeatAsync(members, training, background.Token));
        var watch = Stopwatch.StartNew();
        try
        {
            var results = await TrainAsync(members, device, training.Token);
            for (var i = 0; i < members.Count; i++)
                if (members[i].TryEnd(MemberState.Done))
                    await ledger.CompleteAsync(members[i].Spec.RunId, members[i].Attempt, results[i], CancellationToken.None);
            logger.LogInformation("Runs {RunIds} trained together in {Seconds:F2} s",
                string.Join(",", members.Select(m => m.Spec.RunId)), watch.Elapsed.TotalSeconds);
        }
        catch (OperationCanceledException) when (training.IsCancellationRequested)
        {
            if (shutdown.IsCancellationRequested)
            {
                // Runs still training go back to the queue (a cancel requested meanwhile still ends them Cancelled).
                foreach (var member in members)
                {
                    if (!member.TryEnd(MemberState.Done)) continue;
                    if (await ledger.IsCancelRequestedAsync(member.Spec.RunId, CancellationToken.None))
                        await ledger.MarkCancelledAsync(member.Spec.RunId, member.Attempt, CancellationToken.None);
                    else
                        await ledger.ReleaseAsync(member.Spec.RunId, member.Attempt, CancellationToken.None);
                }
                logger.LogWarning("Worker shutting down; the batch's unfinished runs go back to the queue");
                throw;
            }
            // Otherwise every run was cancelled or lost its lease: each has been dealt with already.
            logger.LogInformation("Batch stopped: none of its runs is left to train for");
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Batch of runs {RunIds} failed", string.Join(",", members.Select(m => m.Spec.RunId)));
            var error = TrainingFailure.Describe(ex);
            foreach (var member in members)
                if (member.TryEnd(MemberState.Done))
                    await ledger.FailAsync(member.Spec.RunId, member.Attempt, error, CancellationToken.None);
        }
        finally
        {
            await background.CancelAsync();
            await watchers;
            foreach (var member in members) cancellation.Unregister(member.Spec.RunId);
        }
    }

    private async Task<IReadOnlyList<RunResult>> TrainAsync(List<Member> members, TorchSharp.torch.Device device, CancellationToken token)
    {
        var key = members[0].Spec.ExperimentKey;
        if (catalog.Find(key) is not ISeedBatchedExperiment experiment)
            throw new InvalidOperationException($"Experiment '{key}' is unknown or cannot train runs together.");
        if (members.Any(m => m.Spec.ExperimentKey != key))
            throw new InvalidOperationException("A batch must hold runs of one experiment.");
        var contexts = members.Select(m => new RunContext(
            m.Spec.RunId, RunParameters.FromJson(m.Spec.ParametersJson, experiment.Parameters), m.Spec.Seed, device,
            m.Reporter, logger)).ToList();
        logger.LogInformation("Training {Experiment} runs {RunIds} together on {Device}",
            key, string.Join(",", members.Select(m => m.Spec.RunId)), device);
        try
        {
            return await experiment.TrainSeedsAsync(contexts, token);
        }
        catch (System.Runtime.InteropServices.ExternalException ex) when (TrainRunJob.IsScalarRace(ex))
        {
            // As TrainRunJob: seeded training, so the second pass repeats the same points and ingestion ignores them.
            logger.LogWarning(ex, "Batch hit TorchSharp's temporary-Scalar race; training it again from the start");
            return await experiment.TrainSeedsAsync(contexts, token);
        }
    }

    /// <summary>Ends each run whose cancel was requested (here or through the ledger); stops training when none is left.</summary>
    private Task WatchCancelsAsync(List<Member> members, CancellationTokenSource training, CancellationToken stop) => Task.Run(async () =>
    {
        using var timer = new PeriodicTimer(TrainRunJob.CancelPollInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                foreach (var member in members.Where(m => m.IsTraining))
                {
                    if (!member.UserCancel.IsCancellationRequested && !await ledger.IsCancelRequestedAsync(member.Spec.RunId, stop)) continue;
                    if (!member.TryEnd(MemberState.Cancelled)) continue;
                    member.Reporter.Stop();
                    await ledger.MarkCancelledAsync(member.Spec.RunId, member.Attempt, CancellationToken.None);
                    logger.LogInformation("Run {RunId} cancelled; the rest of its batch trains on", member.Spec.RunId);
                }
                await StopWhenNoneLeftAsync(members, training);
            }
        }
        catch (OperationCanceledException)
        {
            // The batch ended.
        }
    }, CancellationToken.None);

    /// <summary>Renews every training run's lease; a run whose lease is lost writes nothing more.</summary>
    private Task HeartbeatAsync(List<Member> members, CancellationTokenSource training, CancellationToken stop) => Task.Run(async () =>
    {
        using var timer = new PeriodicTimer(_lease.Heartbeat);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                foreach (var member in members.Where(m => m.IsTraining))
                {
                    bool renewed;
                    try { renewed = await ledger.RenewLeaseAsync(member.Spec.RunId, member.Attempt, stop); }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        logger.LogWarning(ex, "Run {RunId}: lease renewal failed; retrying", member.Spec.RunId);
                        continue;
                    }
                    if (renewed || !member.TryEnd(MemberState.LeaseLost)) continue;
                    member.Reporter.Stop();
                    logger.LogWarning("Run {RunId} attempt {Attempt} lost its lease; it writes nothing more", member.Spec.RunId, member.Attempt);
                }
                await StopWhenNoneLeftAsync(members, training);
            }
        }
        catch (OperationCanceledException)
        {
            // The batch ended.
        }
    }, CancellationToken.None);

    private static async Task StopWhenNoneLeftAsync(List<Member> members, CancellationTokenSource training)
    {
        if (members.All(m => !m.IsTraining)) await training.CancelAsync();
    }

    private enum MemberState { Training, Done, Cancelled, LeaseLost }

    /// <summary>One claimed run of the batch. Its state leaves Training exactly once (compare-and-set), so a cancel
    /// and the batch's end never both write to the run.</summary>
    private sealed class Member(RunSpec spec, int attempt, AttemptReporter reporter, CancellationToken userCancel)
    {
        private int _state = (int)MemberState.Training;
        public RunSpec Spec { get; } = spec;
        public int Attempt { get; } = attempt;
        public AttemptReporter Reporter { get; } = reporter;
        public CancellationToken UserCancel { get; } = userCancel;
        public bool IsTraining => Volatile.Read(ref _state) == (int)MemberState.Training;

        public bool TryEnd(MemberState end) =>
            Interlocked.CompareExchange(ref _state, (int)end, (int)MemberState.Training) == (int)MemberState.Training;
    }
}
