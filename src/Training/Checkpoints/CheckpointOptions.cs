namespace LayerLab.Training.Checkpoints;

/// <summary>Section <c>LayerLab:Checkpoints</c>.</summary>
public sealed class CheckpointOptions
{
    /// <summary>Seconds between checkpoints of a running run (fractions allowed; 0 turns checkpointing off).</summary>
    public double IntervalSeconds { get; set; } = 60;

    /// <summary>Where checkpoint files live; default <c>checkpoints/</c> next to the database. Workers on several
    /// machines share it (a network mount) so a run resumes on whichever worker picks it up.</summary>
    public string? Directory { get; set; }

    public TimeSpan Interval => TimeSpan.FromSeconds(Math.Max(0, IntervalSeconds));
}
