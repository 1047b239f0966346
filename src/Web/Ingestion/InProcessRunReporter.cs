using LayerLab.Training.Contracts;
using LayerLab.Web.Runs;

namespace LayerLab.Web.Ingestion;

/// <summary>The reporter of the in-process worker: metrics go straight into ingestion, progress onto the run row.</summary>
public sealed class InProcessRunReporter(MetricIngestion ingestion, RunProgressWriter progress) : IRunReporter
{
    public ValueTask ReportMetricsAsync(long runId, IReadOnlyList<MetricSample> samples, CancellationToken cancellationToken) =>
        ingestion.EnqueueAsync(runId, samples, cancellationToken);

    public ValueTask ReportProgressAsync(long runId, double fraction, CancellationToken cancellationToken) =>
        progress.ReportAsync(runId, fraction, cancellationToken);

    public Task FlushAsync(CancellationToken cancellationToken) => ingestion.FlushAsync(cancellationToken);
}
