using LayerLab.Training.Contracts;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace LayerLab.Tests.Unit.Experiments;

/// <summary>Runs an experiment the way the job does, on the CPU, with a reporter that records what it is told.</summary>
public static class ExperimentHarness
{
    public static RunContext Context(
        RunParameters parameters, long seed = 1, IRunReporter? reporter = null, LayerLab.Training.Checkpoints.RunCheckpoints? checkpoints = null) =>
        new(42, parameters, seed, CPU, reporter ?? new RecordingReporter(), NullLogger.Instance, checkpoints);
}

/// <summary>Records what an experiment reports, in order; <see cref="OnReport"/> can act on the n-th report (e.g. cancel).</summary>
public sealed class RecordingReporter : IRunReporter
{
    private readonly Lock _gate = new();
    public List<MetricSample> Samples { get; } = [];
    /// <summary>The run of each metrics report, in order.</summary>
    public List<long> RunIds { get; } = [];
    public List<double> Progress { get; } = [];
    public Func<int, ValueTask>? OnReport { get; init; }
    private int _calls;

    public ValueTask ReportMetricsAsync(long runId, IReadOnlyList<MetricSample> samples, CancellationToken cancellationToken)
    {
        int call;
        lock (_gate) { Samples.AddRange(samples); RunIds.Add(runId); call = ++_calls; }
        return OnReport?.Invoke(call) ?? ValueTask.CompletedTask;
    }

    public ValueTask ReportProgressAsync(long runId, double fraction, CancellationToken cancellationToken)
    {
        lock (_gate) Progress.Add(fraction);
        return ValueTask.CompletedTask;
    }
}
