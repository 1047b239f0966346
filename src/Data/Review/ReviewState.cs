namespace LayerLab.Data.Review;

/// <summary>Where a run stands in review. Stored as text on <see cref="Runs.Run.ReviewState"/> and in the history.</summary>
public enum ReviewState
{
    Unreviewed = 0,
    Approved = 1,
    ChangesRequested = 2,
    Rejected = 3,
}
