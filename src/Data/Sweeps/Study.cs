using LayerLab.Data.Review;

namespace LayerLab.Data.Sweeps;

/// <summary>
/// A declared study of an experiment, run as one sweep: which study, with what overrides, and its review. Its
/// progress, aggregate, figure and verdict are computed from the sweep's runs on every read (never stored), so a
/// restart, a re-queue or a late run can never leave a stale verdict behind.
/// </summary>
public sealed class Study
{
    public long Id { get; set; }
    public required string ExperimentKey { get; set; }
    /// <summary>The study's key within its experiment (e.g. "success-vs-lr").</summary>
    public required string StudyKey { get; set; }
    public required string Title { get; set; }
    public long SweepId { get; set; }
    /// <summary>The submitted overrides as JSON (parameters, axes, seeds, seed), so a re-run repeats them exactly.</summary>
    public required string OverridesJson { get; set; }
    public string? SubmittedBy { get; set; }
    public string? SubmittedById { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>The study this one re-runs ("Re-run" makes a new study with the same definition).</summary>
    public long? RerunOfId { get; set; }
    /// <summary>For a sweep saved as a study (StudyKey "saved-sweep"): the user's figure as JSON (x, y, series, log
    /// axes, note); null for declared studies.</summary>
    public string? SavedFigureJson { get; set; }
    public ReviewState ReviewState { get; set; }
    public string? ReviewedBy { get; set; }
    public DateTimeOffset? ReviewedAt { get; set; }
}
