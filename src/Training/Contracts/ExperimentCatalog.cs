namespace LayerLab.Training.Contracts;

/// <summary>The experiments this build knows, by key. Registered as a singleton.</summary>
public sealed class ExperimentCatalog(IEnumerable<IExperiment> experiments)
{
    private readonly IReadOnlyList<IExperiment> _all = experiments.OrderBy(e => e.Key, StringComparer.Ordinal).ToList();

    public IReadOnlyList<IExperiment> All => _all;

    public IExperiment? Find(string key) => _all.FirstOrDefault(e => e.Key == key);
}
