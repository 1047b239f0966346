namespace LayerLab.Data.Leaderboard;

/// <summary>
/// The leaderboard's running sums for one (experiment, configuration, metric, review state): the succeeded runs of
/// that configuration in that review state, each contributing its minimum and its maximum of the metric over the run
/// (the direction is the viewer's choice, so both are kept). A page sums at most a few rows per configuration instead
/// of reading every run. Kept by SQLite triggers (<see cref="LeaderboardAggregates"/>), never written by code.
/// </summary>
/// <remarks>
/// Per review state because review changes often and the default view filters on it; date and tag filters are per run
/// and read the same sums split by finish day and tag (<see cref="LeaderboardBucket"/>), a separate table so that the
/// default view keeps reading one row per (configuration, review state) however many days the runs span.
/// </remarks>
public sealed class LeaderboardAggregate
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
