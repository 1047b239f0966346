using System.Globalization;
using LayerLab.Training.Contracts;

namespace LayerLab.Training.Sweeps;

/// <summary>One run of an expanded sweep: a validated configuration and one of its seeds.</summary>
/// <param name="Configuration">Index of the configuration (0-based, in expansion order); seeds of one configuration share it.</param>
public sealed record SweepRun(int Configuration, RunParameters Parameters, long Seed);

/// <summary>The runs of a sweep, or the errors per field (then nothing may be stored).</summary>
public sealed record SweepExpansionResult(
    IReadOnlyList<SweepRun> Runs, int Configurations, long RunCount, IReadOnlyDictionary<string, string> Errors)
{
    public bool IsValid => Errors.Count == 0;
}

/// <summary>
/// Expands a sweep: the cartesian product of every swept parameter's values (first swept parameter varies slowest),
/// times the seeds. Every configuration is validated against the experiment's specs, and sizes over the cap are
/// refused before anything is built.
/// </summary>
public static class SweepExpansion
{
    public const long MaxSeed = int.MaxValue;
    public const int MaxSeeds = 1000;

    /// <param name="sweepSeed">The definition's seed, or the one picked for it at submission.</param>
    /// <param name="maxRuns">The cap (LayerLab:Sweeps:MaxRuns).</param>
    public static SweepExpansionResult Expand(IExperiment experiment, SweepDefinition definition, long sweepSeed, int maxRuns)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(definition);
        var specs = experiment.Parameters;
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        if (definition.Seeds < 1 || definition.Seeds > MaxSeeds)
            errors["seeds"] = $"seeds must be between 1 and {MaxSeeds}.";
        if (sweepSeed is < 0 or > MaxSeed)
            errors["seed"] = $"seed must be between 0 and {MaxSeed}.";

        var axes = new List<(string Name, IReadOnlyList<string> Values)>();
        foreach (var (name, axis) in definition.Sweep ?? new Dictionary<string, SweepAxis>())
        {
            var spec = specs.FirstOrDefault(s => s.Name == name);
            if (spec is null) { errors[$"sweep.{name}"] = $"Unknown parameter '{name}'."; continue; }
            if (axis is null) { errors[$"sweep.{name}"] = $"{name}: the sweep is empty."; continue; }
            var values = SweepAxisValues.Values(spec, axis, sweepSeed, maxRuns, out var error);
            if (error is not null) errors[$"sweep.{name}"] = error;
            else axes.Add((name, values!));
        }
        if (errors.Count > 0) return Invalid(errors);

        var configurations = axes.Aggregate(1L, (product, axis) => product * axis.Values.Count); // each ≤ maxRuns: no overflow for a handful of axes
        var runCount = configurations * definition.Seeds;
        if (configurations > maxRuns || runCount > maxRuns)
        {
            errors["sweep"] = string.Create(CultureInfo.InvariantCulture,
                $"This sweep makes {runCount:N0} runs ({configurations:N0} configurations × {definition.Seeds} seeds); the cap is {maxRuns:N0} runs per sweep.");
            return new SweepExpansionResult([], (int)Math.Min(configurations, int.MaxValue), runCount, errors);
        }

        var baseValues = definition.Parameters ?? new Dictionary<string, string?>();
        var runs = new List<SweepRun>((int)runCount);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var combination in Product(axes))
        {
            var raw = new Dictionary<string, string?>(baseValues, StringComparer.Ordinal);
            foreach (var (name, value) in combination) raw[name] = value;
            if (definition.Exclude?.Any(x => x.Count > 0 && x.All(e => raw.TryGetValue(e.Key, out var v) && v == e.Value)) == true) continue;
            var validation = ParameterValidation.Validate(specs, raw);
            if (!validation.IsValid)
            {
                // The first failing value of each parameter is enough to fix the definition.
                foreach (var (name, message) in validation.Errors)
                {
                    var swept = axes.Any(a => a.Name == name);
                    var key = swept ? $"sweep.{name}" : $"parameters.{name}";
                    errors.TryAdd(key, swept ? $"{message} (value {raw[name]})" : message);
                }
                continue;
            }
            // Values that read differently but parse alike ("ADAM" and "adam", "0.10" and "0.1") are one configuration.
            if (!seen.Add(validation.Parameters!.ToJson())) continue;
            for (var s = 0; s < definition.Seeds; s++)
                runs.Add(new SweepRun(index, validation.Parameters!, (sweepSeed + s) % (MaxSeed + 1)));
            index++;
        }
        return errors.Count > 0 ? Invalid(errors, (int)configurations, runCount) : new SweepExpansionResult(runs, index, runs.Count, errors);
    }

    private static SweepExpansionResult Invalid(Dictionary<string, string> errors, int configurations = 0, long runs = 0) =>
        new([], configurations, runs, errors);

    private static IEnumerable<List<(string Name, string Value)>> Product(List<(string Name, IReadOnlyList<string> Values)> axes)
    {
        IEnumerable<List<(string, string)>> result = [[]];
        foreach (var (name, values) in axes)
        {
            var captured = (name, values);
            result = result.SelectMany(prefix => captured.values.Select(v => new List<(string, string)>(prefix) { (captured.name, v) }));
        }
        return result;
    }
}
