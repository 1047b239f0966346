using System.Globalization;
using LayerLab.Training.Contracts;

namespace LayerLab.Training.Sweeps;

/// <summary>Turns one <see cref="SweepAxis"/> into the raw text values of its parameter (before validation).</summary>
public static class SweepAxisValues
{
    /// <returns>The values in order, or null and an error that names the parameter.</returns>
    public static IReadOnlyList<string>? Values(ParameterSpec spec, SweepAxis axis, long sweepSeed, int maxCount, out string? error)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(axis);
        error = null;
        var name = spec.Name;
        if (axis.Mode == SweepMode.List)
        {
            var values = (axis.Values ?? []).Select(v => v?.Trim() ?? "").ToList();
            if (values.Count == 0) { error = $"{name}: a list sweep needs at least one value."; return null; }
            if (values.Count > maxCount) { error = $"{name}: {values.Count} values is more than the cap of {maxCount}."; return null; }
            // Repeats would train the same configuration twice; keep the first of each.
            return values.Distinct(StringComparer.Ordinal).ToList();
        }
        if (spec.Kind is not (ParameterKind.Integer or ParameterKind.Real))
        { error = $"{name} is {spec.Kind.ToString().ToLowerInvariant()}: sweep it with a list of values."; return null; }
        if (axis.Start is not { } start || axis.Stop is not { } stop || !double.IsFinite(start) || !double.IsFinite(stop))
        { error = $"{name}: {Describe(axis.Mode)} needs a finite start and stop."; return null; }
        if (axis.Count is not { } count || count < 1) { error = $"{name}: count must be at least 1."; return null; }
        if (count > maxCount) { error = $"{name}: count {count} is more than the cap of {maxCount}."; return null; }
        var logSpace = axis.Mode == SweepMode.Log || (axis.Mode == SweepMode.Random && axis.LogUniform);
        if (logSpace && (start <= 0 || stop <= 0)) { error = $"{name}: {Describe(axis.Mode)} needs start and stop above 0."; return null; }
        if (axis.Mode == SweepMode.Random && stop < start) { error = $"{name}: random draws need low ≤ high."; return null; }

        var numbers = axis.Mode switch
        {
            SweepMode.Linear => Enumerable.Range(0, count).Select(i => Between(start, stop, count, i, log: false)),
            SweepMode.Log => Enumerable.Range(0, count).Select(i => Between(start, stop, count, i, log: true)),
            SweepMode.Random => Draws(start, stop, count, logSpace, StableSeed(sweepSeed, name)),
            _ => throw new ArgumentOutOfRangeException(nameof(axis), axis.Mode, "Unknown sweep mode."),
        };
        // Integer parameters round to the nearest whole number; values that round alike collapse into one.
        return spec.Kind == ParameterKind.Integer
            ? numbers.Select(v => ((long)Math.Round(v, MidpointRounding.AwayFromZero)).ToString(CultureInfo.InvariantCulture)).Distinct().ToList()
            : numbers.Select(v => ParameterSpec.Format(v)).Distinct().ToList();
    }

    private static string Describe(SweepMode mode) => mode switch
    {
        SweepMode.Linear => "a linear range",
        SweepMode.Log => "a log range",
        _ => "random draws",
    };

    /// <summary>The i-th of count points from start to stop; endpoints exact, the rest cleaned to 12 significant
    /// digits so a log range over 1e-3…1 gives 0.01, not 0.009999999999999998.</summary>
    private static double Between(double start, double stop, int count, int i, bool log)
    {
        if (count == 1 || i == 0) return start;
        if (i == count - 1) return stop;
        var value = log
            ? Math.Pow(10, Math.Log10(start) + (i * (Math.Log10(stop) - Math.Log10(start)) / (count - 1)))
            : start + (i * (stop - start) / (count - 1));
        return Clean(value, 12);
    }

    private static IEnumerable<double> Draws(double low, double high, int count, bool log, int seed)
    {
        // System.Random with a seed uses a fixed algorithm, so the same sweep seed draws the same values.
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var u = random.NextDouble();
            var value = log ? Math.Exp(Math.Log(low) + (u * (Math.Log(high) - Math.Log(low)))) : low + (u * (high - low));
            // Six significant digits read well in tables; the clamp keeps the rounding inside the range.
            yield return Math.Clamp(Clean(value, 6), low, high);
        }
    }

    private static double Clean(double value, int digits) =>
        double.Parse(value.ToString("G" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>Per-parameter seed (FNV-1a of the name mixed with the sweep seed): adding or reordering other swept
    /// parameters does not change this parameter's draws. string.GetHashCode is randomized per process, so not that.</summary>
    public static int StableSeed(long sweepSeed, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        unchecked
        {
            var hash = 14695981039346656037UL ^ (ulong)sweepSeed;
            foreach (var c in name) hash = (hash ^ c) * 1099511628211UL;
            return (int)(hash ^ (hash >> 32)) & int.MaxValue;
        }
    }
}
