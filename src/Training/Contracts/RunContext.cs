using LayerLab.Training.Checkpoints;
using Microsoft.Extensions.Logging;
using TorchSharp;

namespace LayerLab.Training.Contracts;

public readonly record struct MetricSample(string Key, long Step, double Value);

/// <summary>Where a run's metrics and progress go: straight into ingestion in-process, or over HTTP from a remote worker.</summary>
public interface IRunReporter
{
    ValueTask ReportMetricsAsync(long runId, IReadOnlyList<MetricSample> samples, CancellationToken cancellationToken);
    ValueTask ReportProgressAsync(long runId, double fraction, CancellationToken cancellationToken);

    /// <summary>Completes when every point reported before the call is stored. Checkpoints wait for it, so none is
    /// ever written ahead of the stored series. The default suits reporters that store before they return.</summary>
    Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Stores one small tensor of the run (see <see cref="TensorSample"/>). The default drops it: reporters that
    /// predate tensors (and tests' fakes) keep working, and a tensor is never needed to finish a run.</summary>
    ValueTask ReportTensorAsync(long runId, TensorSample tensor, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>Everything an experiment needs to train one run: its parameters, seed, device, a reporter, and where to
/// checkpoint (off unless the job passes a store).</summary>
public sealed class RunContext(
    long runId, RunParameters parameters, long seed, torch.Device device, IRunReporter reporter, ILogger logger,
    RunCheckpoints? checkpoints = null)
{
    public long RunId { get; } = runId;
    public RunParameters Parameters { get; } = parameters;
    public long Seed { get; } = seed;
    public torch.Device Device { get; } = device;
    public ILogger Logger { get; } = logger;
    /// <summary>Save and resume the loop's state (see <see cref="RunCheckpoints"/>); a no-op when off.</summary>
    public RunCheckpoints Checkpoints { get; } = checkpoints ?? RunCheckpoints.None();

    public ValueTask ReportAsync(long step, IReadOnlyDictionary<string, double> metrics, CancellationToken cancellationToken)
    {
        var samples = new MetricSample[metrics.Count];
        var i = 0;
        foreach (var (key, value) in metrics) samples[i++] = new MetricSample(key, step, value);
        return reporter.ReportMetricsAsync(RunId, samples, cancellationToken);
    }

    public ValueTask ReportAsync(IReadOnlyList<MetricSample> samples, CancellationToken cancellationToken) =>
        reporter.ReportMetricsAsync(RunId, samples, cancellationToken);

    /// <summary>Logs a small tensor (row-major <paramref name="data"/> of <paramref name="shape"/>) at a step, for the
    /// run page's heatmap and its step slider. Copied, so the caller may reuse its buffer.</summary>
    public ValueTask ReportTensorAsync(string key, long step, int[] shape, float[] data, CancellationToken cancellationToken) =>
        reporter.ReportTensorAsync(RunId, new TensorSample(key, step, [.. shape], [.. data]), cancellationToken);

    /// <param name="fraction">0..1 of the run's work done.</param>
    public ValueTask ReportProgressAsync(double fraction, CancellationToken cancellationToken) =>
        reporter.ReportProgressAsync(RunId, Math.Clamp(fraction, 0, 1), cancellationToken);
}
