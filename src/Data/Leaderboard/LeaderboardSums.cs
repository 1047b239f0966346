namespace LayerLab.Data.Leaderboard;

/// <summary>
/// The running sums the leaderboard reads for a group of succeeded runs of one configuration in one review state: each
/// run contributes its minimum and its maximum of the metric over the run (the direction is the viewer's choice, so
/// both are kept). Shared by <see cref="LeaderboardAggregate"/> (all runs) and <see cref="LeaderboardBucket"/> (split
/// by finish day and tag); each table is kept by SQLite triggers and never written by code.
/// </summary>
public abstract class LeaderboardSums
{
    public required string ExperimentKey { get; set; }
    public required string ParametersJson { get; set; }
    public required string MetricKey { get; set; }
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
    /// <summary>Runs with both a start and a finish time, and the sum of their durations in seconds.</summary>
    public int TimedN { get; set; }
    public double? SumSeconds { get; set; }
    public required string Devices { get; set; }
    public required string Submitters { get; set; }
    public long LatestRunId { get; set; }
    public double? ParameterCount { get; set; }
    public int Reproduced { get; set; }
    public int NotReproduced { get; set; }
}
