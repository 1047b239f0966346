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
        var (calls, outcome) = await RunFailingOnceAsync(new ExternalException("false INTERNAL ASSERT FAILED at \"/pytorch/c10/core/Scalar.h\":279"));
        Assert.Equal(2, calls);
        Assert.Equal("completed", outcome);
    }

    [Fact]
    public async Task Other_native_errors_fail_the_run_without_a_second_try()
    {
        var (calls, outcome) = await RunFailingOnceAsync(new ExternalException("CUDA out of memory"));
        Assert.Equal(1, calls);
        Assert.StartsWith("failed: out of memory: CUDA out of memory", outcome, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Managed_out_of_memory_fails_the_run_once_with_the_reason()
    {
        var (calls, outcome) = await RunFailingOnceAsync(new OutOfMemoryException("Array dimensions exceeded supported range."));
        Assert.Equal(1, calls);
        Assert.Equal("failed: out of memory: Array dimensions exceeded supported range.", outcome);
    }

    [Fact]
    public async Task A_diverged_loss_fails_the_run_once_with_the_step_in_the_reason()
    {
        var (calls, outcome) = await RunFailingOnceAsync(new TrainingDivergedException(17, double.NaN));
        Assert.Equal(1, calls);
        Assert.Equal("failed: loss became NaN at step 17", outcome);
    }

    [Fact]
    public async Task A_lost_lease_stops_training_and_the_attempt_writes_nothing()
    {
        var experiment = new UntilCancelledExperiment();
        var ledger = new RecordingLedger { LeaseHeld = false };
        var reporter = new RecordingReporter();
        await RunAsync(experiment, ledger, reporter, new RunLeaseOptions { HeartbeatSeconds = 1 });
        Assert.True(experiment.Stopped);
        Assert.Equal("", ledger.Outcome);
        Assert.Empty(reporter.Samples); // the report made after the lease was lost never left the worker
    }

    /// <summary>Runs the job once on an experiment whose first training call throws <paramref name="first"/>.</summary>
    /// <returns>How many times it trained and how the run ended, as the ledger saw it.</returns>
    private static async Task<(int Calls, string Outcome)> RunFailingOnceAsync(Exception first)
    {
        var experiment = new FlakyExperiment(first);
        var ledger = new RecordingLedger();
        await RunAsync(experiment, ledger, new RecordingReporter());
        return (experiment.Calls, ledger.Outcome);
    }

    private static Task RunAsync(IExperiment experiment, IRunLedger ledger, IRunReporter reporter, RunLeaseOptions? leaseOptions = null) =>
        new TrainRunJob(new ExperimentCatalog([experiment]), ledger, reporter, new RunCancellation(), NullLogger<TrainRunJob>.Instance,
            leaseOptions: leaseOptions).RunAsync(new RunSpec(1, experiment.Key, "{}", 7), CancellationToken.None);

    /// <summary>The catalog metadata neither test experiment cares about; only training differs.</summary>
    private abstract class TestExperiment(string key) : IExperiment
    {
        public string Key => key;
        public string Title => key;
        public string Paper => "";
        public string PaperUrl => "";
        public string Claim => "";
        public IReadOnlyList<ParameterSpec> Parameters { get; } = [];
        public IReadOnlyList<MetricDefinition> Metrics { get; } = [];
        public string PrimaryMetric => "x";
        public abstract Task<RunResult> TrainAsync(RunContext context, CancellationToken cancellationToken);
    }

    /// <summary>Trains until cancelled, then (as a loop might) reports once more on its way out.</summary>
    private sealed class UntilCancelledExperiment() : TestExperiment("forever")
    {
        public bool Stopped { get; private set; }

        public override async Task<RunResult> TrainAsync(RunContext context, CancellationToken cancellationToken)
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

    /// <summary>Throws <paramref name="first"/> on its first training call, succeeds on any later one.</summary>
    private sealed class FlakyExperiment(Exception first) : TestExperiment("flaky")
    {
        public int Calls { get; private set; }

        public override Task<RunResult> TrainAsync(RunContext context, CancellationToken cancellationToken) =>
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
