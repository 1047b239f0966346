namespace LayerLab.Data.Metrics;

/// <summary>One reported value. (RunId, Key, Step) is the primary key, so a repeated report is stored once.</summary>
public sealed class MetricPoint
{
    public long RunId { get; set; }
    public required string Key { get; set; }
    public long Step { get; set; }
    /// <summary>The value; null stands for NaN (SQLite stores NaN as NULL). ±Infinity is stored as is.</summary>
    public double? Value { get; set; }
}

/// <summary>The newest value of each metric of a run, kept on write so lists never scan the history.</summary>
public sealed class LatestMetric
{
    public long RunId { get; set; }
    public required string Key { get; set; }
    public long Step { get; set; }
    public double? Value { get; set; }
}
