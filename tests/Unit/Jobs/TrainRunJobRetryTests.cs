#pragma warning disable CA2201 // TorchSharp surfaces libtorch errors as ExternalException; the test must throw the same type.
using System.Runtime.InteropServices;
using LayerLab.Tests.Unit.Experiments;
using LayerLab.Training.Contracts;
using LayerLab.Training.Jobs;
using Microsoft.Extensions.Logging.Abstractions;

namespace LayerLab.Tests.Unit.Jobs;

/// <summary>The job trains again once when TorchSharp's temporary-Scalar race hits, and fails on anything else, once, with a reason.</summary>
public sealed class TrainRunJobRetryTests
{
    [Fact]
    public async Task A_scalar_race_is_trained_again_and_the_run_completes()
    {
        var experiment = new FlakyExperiment(new ExternalException("false INTERNAL ASSERT FAILED at \"/pytorch/c10/core/Scalar.h\":279"));
        var ledger = new RecordingLedger();
        await Job(experiment, ledger).RunAsync(new RunSpec(1, experiment.Key, "{}", 7), CancellationToken.None);
        Assert.Equal(2, experiment.Calls);
        Assert.Equal("completed", ledger.Outcome);
    }

    [Fact]
    public async Task Other_native_errors_fail_the_run_without_a_second_try()
    {
        var experiment = new FlakyExperiment(new ExternalException("CUDA out of memory"));
        var ledger = new RecordingLedger();
        await Job(experiment, ledger).RunAsync(new RunSpec(1, experiment.Key, "{}", 7), CancellationToken.None);
        Assert.Equal(1, experiment.Calls);
        Assert.StartsWith("failed: out of memory: CUDA out of memory", ledger.Outcome, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Managed_out_of_memory_fails_the_run_once_with_the_reason()
    {
        var experiment = new FlakyExperiment(new OutOfMemoryException("Array dimensions exceeded supported range."));
        var ledger = new RecordingLedger();
        await Job(experiment, ledger).RunAsync(new RunSpec(1, experiment.Key, "{}", 7), CancellationToken.None);
        Assert.Equal(1, experiment.Calls);
        Assert.Equal("failed: out of memory: Array dimensions exceeded supported range.", ledger.Outcome);
    }

    [Fact]
    public async Task A_diverged_loss_fails_the_run_once_with_the_step_in_the_reason()
    {
        var experiment = new FlakyExperiment(new TrainingDivergedException(17, double.NaN));
        var ledger = new RecordingLedger();
        await Job(experiment, ledger).RunAsync(new RunSpec(1, experiment.Key, "{}", 7), CancellationToken.None);
        Assert.Equal(1, experiment.Calls);
        Assert.Equal("failed: loss became NaN at step 17", ledger.Outcome);
    }

    [Fact]
    public async Task A_lost_lease_stops_training_and_the_attempt_writes_nothing()
    {
        var experiment = new UntilCancelledExperiment();
        var ledger = new RecordingLedger { LeaseHeld = false };
        var reporter = new RecordingReporter();
        var job = new TrainRunJob(new ExperimentCatalog([experiment]), ledger, reporter, new RunCancellation(),
            NullLogger<TrainRunJob>.Instance, leaseOptions: new RunLeaseOptions { HeartbeatSeconds = 1 });
        await job.RunAsync(new RunSpec(1, experiment.Key, "{}", 7), CancellationToken.None);
        Assert.True(experiment.Stopped);
        Assert.Equal("", ledger.Outcome);
        Assert.Empty(reporter.Samples); // the report made after the lease was lost never left the worker
    }

    /// <summary>Trains until cancelled, then (as a loop might) reports once more on its way out.</summary>
    private sealed class UntilCancelledExperiment : IExperiment
    {
        public bool Stopped { get; private set; }
        public string Key => "forever";
        public string Title => "forever";
        public string Paper => "";
        public string PaperUrl => "";
        public string Claim => "";
        public IReadOnlyList<ParameterSpec> Parameters { get; } = [];
        public IReadOnlyList<MetricDefinition> Metrics { get; } = [];
        public string PrimaryMetric => "x";

        public async Task<RunResult> TrainAsync(RunContext context, CancellationToken cancellationToken)
        {
            try { await Task.Delay(Timeout.Infinite, cancellationToken); }
            finally
            {
                Stopped = true;
                await context.ReportAsync(5, new Dictionary<string, double> { ["x"] = 1 }, CancellationToken.None);
            }
            return new RunResult(new Dictionary<string, double>(), []);
        }
    }

    private static TrainRunJob Job(IExperiment experiment, IRunLedger ledger) =>
        new(new ExperimentCatalog([experiment]), ledger, new RecordingReporter(), new RunCancellation(), NullLogger<TrainRunJob>.Instance);

    private sealed class FlakyExperiment(Exception first) : IExperiment
    {
        public int Calls { get; private set; }
        public string Key => "flaky";
        public string Title => "flaky";
        public string Paper => "";
        public string PaperUrl => "";
        public string Claim => "";
        public IReadOnlyList<ParameterSpec> Parameters { get; } = [];
        public IReadOnlyList<MetricDefinition> Metrics { get; } = [];
        public string PrimaryMetric => "x";

        public Task<RunResult> TrainAsync(RunContext context, CancellationToken cancellationToken) =>
            ++Calls == 1 ? Task.FromException<RunResult>(first) : Task.FromResult(new RunResult(new Dictionary<string, double>(), []));
    }

    /// <summary>Our own ledger contract, recorded (the portal's implementation is covered end to end).</summary>
    private sealed class RecordingLedger : IRunLedger
    {
        public string Outcome { get; private set; } = "";
        public bool LeaseHeld { get; init; } = true;
        public Task<RunClaim?> TryClaimAsync(long runId, string worker, string device, CancellationToken cancellationToken) => Task.FromResult<RunClaim?>(new RunClaim(1));
        public Task<bool> RenewLeaseAsync(long runId, int attempt, CancellationToken cancellationToken) => Task.FromResult(LeaseHeld);
        public Task<bool> IsCancelRequestedAsync(long runId, CancellationToken cancellationToken) => Task.FromResult(false);
        public Task CompleteAsync(long runId, int attempt, RunResult result, CancellationToken cancellationToken) { Outcome = "completed"; return Task.CompletedTask; }
        public Task FailAsync(long runId, int attempt, string error, CancellationToken cancellationToken) { Outcome = "failed: " + error; return Task.CompletedTask; }
        public Task MarkCancelledAsync(long runId, int attempt, CancellationToken cancellationToken) { Outcome = "cancelled"; return Task.CompletedTask; }
        public Task ReleaseAsync(long runId, int attempt, CancellationToken cancellationToken) { Outcome = "released"; return Task.CompletedTask; }
        public Task RecordResumeAsync(long runId, int attempt, long step, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
