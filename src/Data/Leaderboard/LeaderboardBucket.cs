namespace LayerLab.Data.Leaderboard;

/// <summary>
/// The leaderboard's running sums for one (experiment, metric, tag, UTC finish day, configuration, review state):
/// the same sums as <see cref="LeaderboardAggregate"/>, split by the day the runs finished and by tag, so a date or
/// tag filter reads a few rows per configuration and day instead of every run. Kept by SQLite triggers
/// (<see cref="LeaderboardBuckets"/>), never written by code.
/// </summary>
/// <remarks>
/// <see cref="Tag"/> is "" for all runs (whatever their tags) and a tag name for the runs carrying it.
/// <see cref="Day"/> is the UTC day number (finish ticks / ticks per day), <see cref="LeaderboardBuckets.UnknownDay"/>
/// for a run without a finish time, and <see cref="LeaderboardBuckets.AllDays"/> for a tag's roll-up over all days
/// (a tag filter without dates reads one row per configuration and state, not one per day).
/// </remarks>
public sealed class LeaderboardBucket
{
    public required string ExperimentKey { get; set; }
    public required string MetricKey { get; set; }
    public required string Tag { get; set; }
    public long Day { get; set; }
    public required string ParametersJson { get; set; }
    public required string ReviewState { get; set; }
    public int N { get; set; }
    public double SumMin { get; set; }
    public double SumSqMin { get; set; }
    public double MinOfMin { get; set; }
    public double MaxOfMin { get; set; }
    public double SumMax { get; set; }
    public double SumSqMax { get; set; }
    public double MinOfMax { get; set; }
    public double MaxOfMax { get; set; }
    public int TimedN { get; set; }
    public double? SumSeconds { get; set; }
    public required string Devices { get; set; }
    public required string Submitters { get; set; }
    public long LatestRunId { get; set; }
    public double? ParameterCount { get; set; }
    public int Reproduced { get; set; }
    public int NotReproduced { get; set; }
}
