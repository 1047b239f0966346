using System.Collections.Concurrent;
using LayerLab.Tests.Unit.Experiments;
using LayerLab.Training.Contracts;
using LayerLab.Training.Jobs;
using Microsoft.Extensions.Logging.Abstractions;

namespace LayerLab.Tests.Unit.Jobs;

/// <summary>The batch job: claims each run on its own, trains once, ends each run on its own; a cancel ends one run
/// and leaves the others training; a failure fails every claimed run once.</summary>
public sealed class TrainRunBatchJobTests
{
    private static RunSpec[] Specs(params long[] ids) => ids.Select(id => new RunSpec(id, "batched", "{}", 100 + id)).ToArray();

    [Fact]
    public async Task Runs_it_cannot_claim_are_left_out_and_the_others_complete_with_their_own_results()
    {
        var experiment = new GatedExperiment { Open = true };
        var ledger = new BatchLedger { Unclaimable = { 2 } };
        await Job(experiment, ledger, new RunCancellation()).RunAsync(Specs(1, 2, 3), CancellationToken.None);

        Assert.Equal([1L, 3L], experiment.TrainedRunIds);
        Assert.Equal(new Dictionary<long, string> { [1] = "completed seed 101", [3] = "completed seed 103" }, ledger.Outcomes);
    }

    [Fact]
    public async Task Cancelling_one_run_marks_it_cancelled_drops_its_results_and_the_others_finish()
    {
        var experiment = new GatedExperiment();
        var ledger = new BatchLedger();
        var cancellation = new RunCancellation();
        var reporter = new RecordingReporter();
        var job = Job(experiment, ledger, cancellation, reporter).RunAsync(Specs(1, 2, 3), CancellationToken.None);

        await experiment.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(cancellation.Cancel(2));
        await ledger.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        experiment.Release();
        await job.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(new Dictionary<long, string> { [1] = "completed seed 101", [2] = "cancelled", [3] = "completed seed 103" }, ledger.Outcomes);
        // The report made after the cancel reached the runs still training only (each also gets its closing
        // system-metrics sample, so count runs, not reports).
        Assert.Equal([1L, 3L], reporter.RunIds.Distinct().Order());
    }

    [Fact]
    public async Task Cancelling_every_run_stops_training_and_nothing_completes()
    {
        var experiment = new GatedExperiment();
        var ledger = new BatchLedger { CancelRequested = { 1, 2 } };
        var job = Job(experiment, ledger, new RunCancellation()).RunAsync(Specs(1, 2), CancellationToken.None);

        await job.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(experiment.Stopped);
        Assert.Equal(new Dictionary<long, string> { [1] = "cancelled", [2] = "cancelled" }, ledger.Outcomes);
    }

    [Fact]
    public async Task A_training_failure_fails_every_claimed_run_once()
    {
        var experiment = new GatedExperiment { Failure = new InvalidOperationException("boom") };
        var ledger = new BatchLedger();
        await Job(experiment, ledger, new RunCancellation()).RunAsync(Specs(1, 2), CancellationToken.None);

        Assert.Equal(new Dictionary<long, string>
        {
            [1] = "failed: InvalidOperationException: boom", [2] = "failed: InvalidOperationException: boom",
        }, ledger.Outcomes);
    }

    [Fact]
    public async Task System_samples_count_on_from_each_claims_clock_so_a_resumed_run_continues_its_timeline()
    {
        var ledger = new BatchLedger { SystemClockStart = { [2] = 500 } };
        var reporter = new PerRunReporter();
        await Job(new GatedExperiment { Open = true }, ledger, new RunCancellation(), reporter).RunAsync(Specs(1, 2), CancellationToken.None);

        long[] StepsOf(long run) => [.. reporter.Samples.Where(s => s.RunId == run && s.Sample.Key == SystemSampler.CpuPercent).Select(s => s.Sample.Step)];
        // A run trained in well under a second: its closing sample is at second 0 or 1 of its own clock.
        Assert.All(StepsOf(1), step => Assert.InRange(step, 0, 1));
        Assert.All(StepsOf(2), step => Assert.InRange(step, 500, 501));
        Assert.NotEmpty(StepsOf(2));
    }

    private sealed class PerRunReporter : IRunReporter
    {
        public ConcurrentQueue<(long RunId, MetricSample Sample)> Samples { get; } = new();

        public ValueTask ReportMetricsAsync(long runId, IReadOnlyList<MetricSample> samples, CancellationToken cancellationToken)
        {
            foreach (var sample in samples) Samples.Enqueue((runId, sample));
            return ValueTask.CompletedTask;
        }

        public ValueTask ReportProgressAsync(long runId, double fraction, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    /// <summary>Through the compatibility entry point that batch jobs queued by an older portal still call.</summary>
    private static TrainRunBatchJob Job(GatedExperiment experiment, BatchLedger ledger, RunCancellation cancellation, IRunReporter? reporter = null) =>
        new(new TrainRunJob(new ExperimentCatalog([experiment]), ledger, reporter ?? new RecordingReporter(), cancellation, NullLogger<TrainRunJob>.Instance));

    /// <summary>Trains until released (or cancelled), then reports once per run and returns each run's seed as its result.</summary>
    private sealed class GatedExperiment : ISeedBatchedExperiment
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool Open { get; init; }
        public Exception? Failure { get; init; }
        public bool Stopped { get; private set; }
        public List<long> TrainedRunIds { get; } = [];
        public string Key => "batched";
        public string Title => "batched";
        public string Paper => "";
        public string PaperUrl => "";
        public string Claim => "";
        public IReadOnlyList<ParameterSpec> Parameters { get; } = [];
        public IReadOnlyList<MetricDefinition> Metrics { get; } = [];
        public string PrimaryMetric => "x";

        public void Release() => _release.TrySetResult();

        public Task<RunResult> TrainAsync(RunContext context, CancellationToken cancellationToken) => throw new NotSupportedException();

        public async Task<IReadOnlyList<RunResult>> TrainSeedsAsync(IReadOnlyList<RunContext> runs, CancellationToken cancellationToken)
        {
            TrainedRunIds.AddRange(runs.Select(r => r.RunId));
            Started.TrySetResult();
            if (Failure is not null) throw Failure;
            try
            {
                if (!Open) await _release.Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Stopped = true;
                throw;
            }
            foreach (var run in runs) await run.ReportAsync(1, new Dictionary<string, double> { ["x"] = run.Seed }, CancellationToken.None);
            return runs.Select(r => new RunResult(new Dictionary<string, double> { ["seed"] = r.Seed }, [])).ToList();
        }
    }

    /// <summary>Our own ledger contract, recorded per run (the portal's implementation is covered end to end).</summary>
    private sealed class BatchLedger : IRunLedger
    {
        private readonly ConcurrentDictionary<long, string> _outcomes = new();
        public HashSet<long> Unclaimable { get; } = [];
        public HashSet<long> CancelRequested { get; } = [];
        public Dictionary<long, long> SystemClockStart { get; } = [];
        public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Dictionary<long, string> Outcomes => _outcomes.OrderBy(p => p.Key).ToDictionary();

        public Task<RunClaim?> TryClaimAsync(long runId, string worker, string device, CancellationToken cancellationToken) =>
            Task.FromResult(Unclaimable.Contains(runId) ? null : new RunClaim(1, SystemClockStart.GetValueOrDefault(runId)));
        public Task<bool> RenewLeaseAsync(long runId, int attempt, CancellationToken cancellationToken) => Task.FromResult(true);
        public Task RecordResumeAsync(long runId, int attempt, long step, CancellationToken cancellationToken) => Task.CompletedTask;
        public Task<bool> IsCancelRequestedAsync(long runId, CancellationToken cancellationToken) => Task.FromResult(CancelRequested.Contains(runId));
        public Task CompleteAsync(long runId, int attempt, RunResult result, CancellationToken cancellationToken) =>
            Record(runId, $"completed seed {result.Summary["seed"]}");
        public Task FailAsync(long runId, int attempt, string error, CancellationToken cancellationToken) => Record(runId, "failed: " + error);
        public Task MarkCancelledAsync(long runId, int attempt, CancellationToken cancellationToken)
        {
            Cancelled.TrySetResult();
            return Record(runId, "cancelled");
        }
        public Task ReleaseAsync(long runId, int attempt, CancellationToken cancellationToken) => Record(runId, "released");

        private Task Record(long runId, string outcome)
        {
            Assert.True(_outcomes.TryAdd(runId, outcome), $"run {runId} ended twice ({_outcomes[runId]}, then {outcome})");
            return Task.CompletedTask;
        }
    }
}
