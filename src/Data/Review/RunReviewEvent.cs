namespace LayerLab.Data.Review;

/// <summary>One change of a run's review state: who, when, from, to, why. Never updated or deleted.</summary>
public sealed class RunReviewEvent
{
    public long Id { get; set; }
    public long RunId { get; set; }
    public required string ReviewerId { get; set; }
    public required string ReviewerName { get; set; }
    public ReviewState From { get; set; }
    public ReviewState To { get; set; }
    public string? Comment { get; set; }
    public DateTimeOffset At { get; set; }
}

/// <summary>A free-text label on a run ([a-z0-9-_.], at most 50 characters, at most 20 per run).</summary>
public sealed class RunTag
{
    public const int MaxLength = 50;
    public const int MaxPerRun = 20;

    public long RunId { get; set; }
    public required string Tag { get; set; }
}
