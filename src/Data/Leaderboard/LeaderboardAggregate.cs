namespace LayerLab.Data.Leaderboard;

/// <summary>
/// The leaderboard's running sums (<see cref="LeaderboardSums"/>) for one (experiment, configuration, metric, review
/// state). A page sums at most a few rows per configuration instead
/// of reading every run. Kept by SQLite triggers (<see cref="LeaderboardAggregates"/>), never written by code.
/// </summary>
/// <remarks>
/// Per review state because review changes often and the default view filters on it; date and tag filters are per run
/// and read the same sums split by finish day and tag (<see cref="LeaderboardBucket"/>), a separate table so that the
/// default view keeps reading one row per (configuration, review state) however many days the runs span.
/// </remarks>
public sealed class LeaderboardAggregate : LeaderboardSums;
