namespace LayerLab.Data.Leaderboard;

/// <summary>One configuration (identical parameters) of an experiment, its seeds aggregated.</summary>
public sealed record LeaderboardRow(
    string ParametersJson,
    int N,
    double Mean,
    double StdDev,
    double Best,
    double Worst,
    double MeanSeconds,
    string Devices,
    string Submitters,
    long LatestRunId)
{
    /// <summary>Half-width of the 95% confidence interval of the mean (Student t); null for a single seed.</summary>
    public double? Ci95 => N < 2 ? null : StudentT.Quantile975(N - 1) * StdDev / Math.Sqrt(N);
}

/// <summary>An exact reference of the experiment for the metric, averaged over the runs that computed it.</summary>
public sealed record LeaderboardReference(string Label, double Value, int Runs);
