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
    /// <summary>More swept parameters than any catalog experiment has; checked before any axis is built.</summary>
    public const int MaxAxes = 16;
    /// <summary>Values one axis may list before it is read at all (a study's overrides); expansion then caps an axis
    /// at the run cap as well.</summary>
    public const int MaxAxisValues = 1000;

    /// <param name="sweepSeed">The definition's seed, or the one picked for it at submission.</param>
    /// <param name="maxRuns">The cap (LayerLab:Sweeps:MaxRuns).</param>
    /// <param name="cancellationToken">Stops the walk over the configurations (the request was aborted).</param>
    public static SweepExpansionResult Expand(
        IExperiment experiment, SweepDefinition definition, long sweepSeed, int maxRuns, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(definition);
        var specs = experiment.Parameters;
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        if (definition.Seeds < 1 || definition.Seeds > MaxSeeds)
            errors["seeds"] = $"seeds must be between 1 and {MaxSeeds}.";
        if (sweepSeed is < 0 or > MaxSeed)
            errors["seed"] = $"seed must be between 0 and {MaxSeed}.";

        var requested = definition.Sweep ?? new Dictionary<string, SweepAxis>();
        if (requested.Count > MaxAxes)
        {
            errors["sweep"] = $"A sweep varies at most {MaxAxes} parameters; this one varies {requested.Count}.";
            return Invalid(errors);
        }

        var axes = new List<(string Name, IReadOnlyList<string> Values)>();
        foreach (var (name, axis) in requested)
        {
            var spec = specs.FirstOrDefault(s => s.Name == name);
            if (spec is null) { errors[$"sweep.{name}"] = $"Unknown parameter '{name}'."; continue; }
            if (axis is null) { errors[$"sweep.{name}"] = $"{name}: the sweep is empty."; continue; }
            var values = SweepAxisValues.Values(spec, axis, sweepSeed, maxRuns, out var error);
            if (error is not null) errors[$"sweep.{name}"] = error;
            else axes.Add((name, values!));
        }
        if (errors.Count > 0) return Invalid(errors);

        // Saturating: counting stops past the cap, so 8 axes × 256 values cannot wrap 2⁶⁴ around to an allowed 0.
        var configurations = SaturatingProduct(axes.Select(a => (long)a.Values.Count), maxRuns + 1L);
        var runCount = SaturatingProduct([configurations, definition.Seeds], maxRuns + 1L);
        if (runCount > maxRuns)
        {
            // Count further for the message, still saturating: past this ceiling the sweep is "more than can be counted".
            var ceiling = long.MaxValue / MaxSeeds;
            var count = SaturatingProduct(axes.Select(a => (long)a.Values.Count), ceiling);
            var total = count >= ceiling ? long.MaxValue : count * definition.Seeds;
            errors["sweep"] = count >= ceiling
                ? string.Create(CultureInfo.InvariantCulture, $"This sweep makes more runs than can be counted; the cap is {maxRuns:N0} runs per sweep.")
                : string.Create(CultureInfo.InvariantCulture,
                    $"This sweep makes {total:N0} runs ({count:N0} configurations × {definition.Seeds} seeds); the cap is {maxRuns:N0} runs per sweep.");
            return new SweepExpansionResult([], (int)Math.Min(count, int.MaxValue), total, errors);
        }

        var baseValues = definition.Parameters ?? new Dictionary<string, string?>();
        var runs = new List<SweepRun>((int)runCount);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var combination in Product(axes))
        {
            cancellationToken.ThrowIfCancellationRequested();
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

    /// <summary>The product of the factors, or <paramref name="ceiling"/> once it would reach it (never overflows).</summary>
    public static long SaturatingProduct(IEnumerable<long> factors, long ceiling)
    {
        ArgumentNullException.ThrowIfNull(factors);
        var product = 1L;
        foreach (var factor in factors)
        {
            if (factor <= 0) return 0;
            if (product > ceiling / factor) return ceiling;
            product = Math.Min(product * factor, ceiling);
        }
        return product;
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
