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
public sealed class LeaderboardBucket : LeaderboardSums
{
    public required string Tag { get; set; }
    public long Day { get; set; }
}
