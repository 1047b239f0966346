using System.Text.Json.Serialization;

namespace LayerLab.Training.Sweeps;

/// <summary>How one swept parameter takes its values.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SweepMode>))]
public enum SweepMode
{
    /// <summary>Exactly the listed values (any parameter kind).</summary>
    List,
    /// <summary>Count evenly spaced values from start to stop, both included.</summary>
    Linear,
    /// <summary>Count values evenly spaced in log10 from start to stop, both included (start, stop &gt; 0).</summary>
    Log,
    /// <summary>Count random draws in [start, stop], uniform or log-uniform, reproducible from the sweep's seed.</summary>
    Random,
}

/// <summary>The values of one swept parameter. Which fields matter depends on <see cref="Mode"/>.</summary>
public sealed record SweepAxis
{
    public SweepMode Mode { get; init; }
    /// <summary>List mode: the values as text, parsed by the parameter's spec.</summary>
    public IReadOnlyList<string>? Values { get; init; }
    /// <summary>Linear/log: the first value; random: the lower bound.</summary>
    public double? Start { get; init; }
    /// <summary>Linear/log: the last value; random: the upper bound.</summary>
    public double? Stop { get; init; }
    public int? Count { get; init; }
    /// <summary>Random mode: draw uniformly in log space (for learning rates and other scales).</summary>
    public bool LogUniform { get; init; }

    public static SweepAxis List(params string[] values) => new() { Mode = SweepMode.List, Values = values };
    public static SweepAxis Linear(double start, double stop, int count) => new() { Mode = SweepMode.Linear, Start = start, Stop = stop, Count = count };
    public static SweepAxis Log(double start, double stop, int count) => new() { Mode = SweepMode.Log, Start = start, Stop = stop, Count = count };
    public static SweepAxis Random(double low, double high, int count, bool logUniform = false) =>
        new() { Mode = SweepMode.Random, Start = low, Stop = high, Count = count, LogUniform = logUniform };
}

/// <summary>
/// A sweep as submitted: one experiment, base parameter values (missing ones take the spec's default), the swept
/// parameters and how many seeds each configuration trains with. Stored as JSON on the sweep, so it can be shown
/// and re-expanded exactly.
/// </summary>
public sealed record SweepDefinition
{
    public required string Experiment { get; init; }
    public string? Name { get; init; }
    public IReadOnlyDictionary<string, string?> Parameters { get; init; } = new Dictionary<string, string?>();
    public IReadOnlyDictionary<string, SweepAxis> Sweep { get; init; } = new Dictionary<string, SweepAxis>();
    /// <summary>Seeds per configuration; run seeds are <see cref="Seed"/>, Seed+1, … so every configuration sees the same seeds.</summary>
    public int Seeds { get; init; } = 1;
    /// <summary>Seed of the random draws and the first run seed; null picks one at submission (then stored).</summary>
    public long? Seed { get; init; }
    /// <summary>Train each configuration's seeds together as one job (experiments that implement
    /// <c>ISeedBatchedExperiment</c> only). Null means the default: on for such experiments, off otherwise.</summary>
    public bool? BatchSeeds { get; init; }
    /// <summary>Configurations to leave out of the product: one whose swept values equal every entry of some
    /// exclusion is skipped (studies use it for knobs that only some models have, e.g. Mamba's conv).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>>? Exclude { get; init; }
}
