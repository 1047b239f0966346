namespace LayerLab.Data.Sweeps;

/// <summary>
/// Many runs of one experiment submitted together: a grid (or random draws) of parameter values × seeds. The runs
/// point back with <c>Run.SweepId</c>; the sweep's status is derived from them (see <see cref="SweepProgress"/>),
/// never stored, so it cannot disagree with its runs.
/// </summary>
public sealed class Sweep
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public required string ExperimentKey { get; set; }
    /// <summary>The definition as submitted (swept axes, base parameters, seeds), with the seed it was expanded with.</summary>
    public required string DefinitionJson { get; set; }
    /// <summary>Seeds per configuration.</summary>
    public int SeedCount { get; set; }
    /// <summary>Runs created (configurations × seeds).</summary>
    public int RunCount { get; set; }
    public string? SubmittedBy { get; set; }
    public string? SubmittedById { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>When "sweep finished" was sent to the submitter: set once by a compare-and-set, so the last two runs
    /// ending together notify once; cleared when the sweep's runs are queued again.</summary>
    public DateTimeOffset? FinishedNotifiedAt { get; set; }
}
