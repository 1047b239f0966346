using LayerLab.Training.Contracts;
using LayerLab.Web.Ingestion;
using LayerLab.Web.Runs;

namespace LayerLab.Web.Workers;

/// <summary>The reporter of the in-process worker: metrics go straight into ingestion, progress onto the run row.</summary>
public sealed class InProcessRunReporter(MetricIngestion ingestion, RunProgressWriter progress, Tensors.TensorStore tensors) : IRunReporter
{
    public ValueTask ReportMetricsAsync(long runId, IReadOnlyList<MetricSample> samples, CancellationToken cancellationToken) =>
        ingestion.EnqueueAsync(runId, samples, cancellationToken);

    public ValueTask ReportProgressAsync(long runId, double fraction, CancellationToken cancellationToken) =>
        progress.ReportAsync(runId, fraction, cancellationToken);

    /// <summary>Checked by the same rules as the HTTP API; a tensor that breaks them or the run's cap is dropped, not
    /// thrown: a heatmap must never fail a training run.</summary>
    public async ValueTask ReportTensorAsync(long runId, TensorSample tensor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (TensorRules.KeyProblem(tensor.Key) is not null || TensorRules.ValuesProblem(tensor.Data) is not null
            || TensorRules.ShapeProblem(tensor.Shape, tensor.Data.Length, tensors.Limits.MaxElements) is not null) return;
        await tensors.StoreAsync(runId, tensor, cancellationToken);
    }

    public Task FlushAsync(CancellationToken cancellationToken) => ingestion.FlushAsync(cancellationToken);
}
