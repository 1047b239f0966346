using System.Globalization;
using LayerLab.Training.Contracts;
using LayerLab.Training.Sweeps;

namespace LayerLab.Training.Studies;

/// <summary>What a submitter may change in a declared study: base parameter values, an axis's values, the seed
/// count and the first seed. The verdict's rule and thresholds are not overridable.</summary>
public sealed record StudyOverrides
{
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Axes { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
    public int? Seeds { get; init; }
    public long? Seed { get; init; }
}

/// <summary>Turns a declared study (with overrides) into the sweep that runs it.</summary>
public static class StudyPlan
{
    public const long DefaultSeed = 1;

    /// <summary>The study with the overrides applied, or errors per field ("overrides.&lt;name&gt;").</summary>
    public static StudyDefinition? Apply(IExperiment experiment, StudyDefinition study, StudyOverrides overrides, out Dictionary<string, string> errors)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(study);
        ArgumentNullException.ThrowIfNull(overrides);
        errors = new Dictionary<string, string>(StringComparer.Ordinal);
        var parameters = new Dictionary<string, string>(study.Parameters, StringComparer.Ordinal);
        var axes = study.Axes.ToList();
        foreach (var (name, value) in overrides.Parameters)
        {
            if (experiment.Parameters.All(s => s.Name != name)) errors[$"overrides.{name}"] = $"Unknown parameter '{name}'.";
            else if (axes.Any(a => a.Parameter == name)) errors[$"overrides.{name}"] = $"{name} is an axis of this study: give a list of values.";
            else parameters[name] = value;
        }
        foreach (var (name, values) in overrides.Axes)
        {
            var index = axes.FindIndex(a => a.Parameter == name);
            if (index < 0) errors[$"overrides.{name}"] = $"{name} is not an axis of this study; a list is only allowed for an axis.";
            else if (values.Count == 0) errors[$"overrides.{name}"] = $"{name}: give at least one value.";
            else axes[index] = new StudyAxis(name, values);
        }
        if (overrides.Seeds is { } seeds && (seeds < 1 || seeds > SweepExpansion.MaxSeeds))
            errors["overrides.seeds"] = $"seeds must be between 1 and {SweepExpansion.MaxSeeds}.";
        if (overrides.Seed is { } seed && (seed < 0 || seed > SweepExpansion.MaxSeed - SweepExpansion.MaxSeeds))
            errors["overrides.seed"] = string.Create(CultureInfo.InvariantCulture, $"seed must be between 0 and {SweepExpansion.MaxSeed - SweepExpansion.MaxSeeds}.");
        return errors.Count > 0 ? null : study with { Parameters = parameters, Axes = axes, Seeds = overrides.Seeds ?? study.Seeds };
    }

    /// <summary>The sweep: base parameters, one list axis per study axis, the study's seeds from <paramref name="seed"/>.</summary>
    public static SweepDefinition ToSweep(IExperiment experiment, StudyDefinition study, long seed)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(study);
        return new SweepDefinition
        {
            Experiment = experiment.Key,
            Name = $"Study: {study.Title}",
            Parameters = study.Parameters.ToDictionary(p => p.Key, p => (string?)p.Value, StringComparer.Ordinal),
            Sweep = study.Axes.ToDictionary(a => a.Parameter, a => SweepAxis.List([.. a.Values]), StringComparer.Ordinal),
            Seeds = study.Seeds,
            Seed = seed,
            Exclude = study.Exclude,
        };
    }

    /// <summary>Estimated wall seconds on the 2-core reference machine, one job at a time: seed-batched experiments
    /// run one job per configuration, others one per run.</summary>
    public static double EstimatedSeconds(IExperiment experiment, StudyDefinition study)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(study);
        var jobsPerConfiguration = experiment is ISeedBatchedExperiment && study.Seeds > 1 ? 1 : study.Seeds;
        return Configurations(study).Sum(c => study.SecondsPerJob(c) * jobsPerConfiguration);
    }

    /// <summary>Every configuration's parameters (base values with one value per axis), first axis slowest.</summary>
    public static IEnumerable<IReadOnlyDictionary<string, string>> Configurations(StudyDefinition study)
    {
        ArgumentNullException.ThrowIfNull(study);
        IEnumerable<Dictionary<string, string>> result = [new Dictionary<string, string>(study.Parameters, StringComparer.Ordinal)];
        foreach (var axis in study.Axes)
        {
            var captured = axis;
            result = result.SelectMany(prefix => captured.Values.Select(v => new Dictionary<string, string>(prefix, StringComparer.Ordinal) { [captured.Parameter] = v }));
        }
        return result.Where(c => !study.Exclude.Any(x => x.Count > 0 && x.All(e => c.TryGetValue(e.Key, out var v) && v == e.Value)));
    }
}

/// <summary>The studies of the catalog's experiments, by experiment and study key.</summary>
public static class StudyCatalog
{
    public static IReadOnlyList<StudyDefinition> Of(IExperiment? experiment) => experiment is IHasStudies s ? s.Studies : [];

    public static StudyDefinition? Find(IExperiment? experiment, string key) => Of(experiment).FirstOrDefault(s => s.Key == key);
}
