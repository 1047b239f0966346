namespace LayerLab.Data.Panels;

/// <summary>
/// How one person arranges the run page's metric panels for one experiment (#20): which groups are pinned, collapsed
/// and in which order. One row per (user, experiment), so every run of the experiment opens the same way for that
/// person and nobody else's page changes. The layout itself is small JSON the web layer validates
/// (<c>{ order, pinned, collapsed }</c>, lists of metric group names).
/// </summary>
public sealed class PanelLayout
{
    public const int MaxExperimentKeyLength = 100;
    /// <summary>The stored JSON is bounded by the validator far below this; the column limit is a second fence.</summary>
    public const int MaxLayoutJsonLength = 16 * 1024;

    public long Id { get; set; }
    /// <summary>The account (<c>AspNetUsers.Id</c>); the row goes with it.</summary>
    public required string UserId { get; set; }
    public required string ExperimentKey { get; set; }
    public required string LayoutJson { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
