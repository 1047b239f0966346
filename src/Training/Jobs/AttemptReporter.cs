using LayerLab.Training.Contracts;

namespace LayerLab.Training.Jobs;

/// <summary>
/// The reporter one attempt trains with. Once the attempt has lost its lease (the run was queued again and may be
/// training elsewhere), it forwards nothing more: a stale attempt must not move the run's progress or add points.
/// </summary>
public sealed class AttemptReporter(IRunReporter inner) : IRunReporter
{
    private volatile bool _stopped;

    public void Stop() => _stopped = true;

    public ValueTask ReportMetricsAsync(long runId, IReadOnlyList<MetricSample> samples, CancellationToken cancellationToken) =>
        _stopped ? ValueTask.CompletedTask : inner.ReportMetricsAsync(runId, samples, cancellationToken);

    public ValueTask ReportProgressAsync(long runId, double fraction, CancellationToken cancellationToken) =>
        _stopped ? ValueTask.CompletedTask : inner.ReportProgressAsync(runId, fraction, cancellationToken);

    public ValueTask ReportTensorAsync(long runId, TensorSample tensor, CancellationToken cancellationToken) =>
        _stopped ? ValueTask.CompletedTask : inner.ReportTensorAsync(runId, tensor, cancellationToken);

    public Task FlushAsync(CancellationToken cancellationToken) =>
        _stopped ? Task.CompletedTask : inner.FlushAsync(cancellationToken);
}
