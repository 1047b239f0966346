namespace LayerLab.Data.Metrics;

/// <summary>
/// One finished run's history of one metric, packed (the compacted history): the same points as its MetricPoints
/// rows, as three little-endian arrays, so a compare read is one row instead of one index lookup per point.
/// MetricPoints stays the source of truth: triggers (<see cref="MetricHistoryBlobs"/>) delete this row whenever a
/// point of that (run, key) is inserted, changed or deleted, so it is either absent or equal to the rows.
/// </summary>
public sealed class MetricHistoryBlob
{
    public long RunId { get; set; }
    public required string Key { get; set; }
    /// <summary>Number of points n.</summary>
    public int Count { get; set; }
    /// <summary>n × int64, ascending.</summary>
    public required byte[] StepData { get; set; }
    /// <summary>n × float64; NaN for NULL (NaN) and ±Infinity, as the compare API shows them.</summary>
    public required byte[] ValueData { get; set; }
    /// <summary>n × float64 Unix ms; NaN where no time was recorded. Last, so a read without times never touches it.</summary>
    public required byte[] TimeData { get; set; }
}
