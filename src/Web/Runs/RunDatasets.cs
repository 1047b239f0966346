using LayerLab.Training.Contracts;

namespace LayerLab.Web.Runs;

/// <summary>A run's parameters with its dataset resolved: the stored version, or the error for the field.</summary>
public sealed record RunDatasetResolution(RunParameters Parameters, DatasetFile? Dataset, string? Error);

/// <summary>
/// Resolves the <c>dataset</c> parameter of a submission (a single run, or each run of a sweep) to a stored version.
/// One place, so a run submitted alone and a run in a sweep are checked and recorded the same way.
/// </summary>
public static class RunDatasets
{
    /// <summary>The run parameter that names a stored dataset version by id (0: the default text).</summary>
    public const string Parameter = "dataset";

    /// <param name="seen">Versions already looked up in this submission (a sweep asks for the same few ids many
    /// times); null for a single run.</param>
    public static async Task<RunDatasetResolution> ResolveAsync(
        IDatasetCatalog catalog, IExperiment experiment, RunParameters parameters,
        Dictionary<long, DatasetFile?>? seen, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(parameters);
        if (!experiment.Parameters.Any(p => p.Name == Parameter)) return new RunDatasetResolution(parameters, null, null);
        var id = parameters.GetInt(Parameter);
        if (seen is null || !seen.TryGetValue(id, out var dataset))
        {
            dataset = id == 0 ? await catalog.DefaultTextAsync(cancellationToken) : await catalog.FindAsync(id, cancellationToken);
            if (seen is not null) seen[id] = dataset;
        }
        if (dataset is null) return new RunDatasetResolution(parameters, null, $"There is no dataset with id {id}.");
        // 0 means "whatever the default is today": store the concrete version, so the run (and the leaderboard,
        // which groups by parameters) names the bytes it trained on, and a later default does not mix with it.
        if (id == 0)
            parameters = new RunParameters(new Dictionary<string, object>(parameters.Values) { [Parameter] = dataset.Id });
        return new RunDatasetResolution(parameters, dataset, null);
    }
}
