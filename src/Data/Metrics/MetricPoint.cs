namespace LayerLab.Data.Metrics;

/// <summary>One reported value. (RunId, Key, Step) is the primary key, so a repeated report is stored once.</summary>
public sealed class MetricPoint
{
    public long RunId { get; set; }
    public required string Key { get; set; }
    public long Step { get; set; }
    /// <summary>The value; null stands for NaN (SQLite stores NaN as NULL). ±Infinity is stored as is.</summary>
    public double? Value { get; set; }
    /// <summary>
    /// When the point was reported, in Unix milliseconds (UTC): stamped by the in-process reporter when the point
    /// arrives, or sent by an external client ("t"); null for points stored before times were kept.
    /// </summary>
    public long? At { get; set; }
}

/// <summary>
/// The newest value of each metric of a run and its extremes over the whole history, kept on write so that lists
/// and leaderboards ("best value over the run") never scan the history. Min and Max ignore NaN.
/// </summary>
public sealed class LatestMetric
{
    public long RunId { get; set; }
    public required string Key { get; set; }
    public long Step { get; set; }
    public double? Value { get; set; }
    public double? Min { get; set; }
    public double? Max { get; set; }
}
