namespace LayerLab.Training.Contracts;

public enum MetricDirection { Minimize, Maximize }

/// <summary>A metric an experiment reports; the direction says which way is better (leaderboards rank by it).</summary>
public sealed record MetricDefinition(string Key, string Title, MetricDirection Direction, string Help = "");

/// <summary>
/// One experiment of the catalog: a claim from a paper, the knobs a researcher sweeps, and the training code.
/// Adding an experiment means adding one class that implements this (see <c>Experiments/</c>).
/// </summary>
public interface IExperiment
{
    string Key { get; }
    string Title { get; }
    /// <summary>Citation of the paper the experiment reproduces, e.g. "arXiv 2409.10821".</summary>
    string Paper { get; }
    string PaperUrl { get; }
    /// <summary>The claim in one or two sentences, and what counts as reproduced.</summary>
    string Claim { get; }
    IReadOnlyList<ParameterSpec> Parameters { get; }
    IReadOnlyList<MetricDefinition> Metrics { get; }
    /// <summary>The metric leaderboards rank by by default.</summary>
    string PrimaryMetric { get; }

    Task<RunResult> TrainAsync(RunContext context, CancellationToken cancellationToken);
}
