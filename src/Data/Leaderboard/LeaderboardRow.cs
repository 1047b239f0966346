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
    long LatestRunId,
    double? ParameterCount = null)
{
    /// <summary>Runs of this configuration whose reproduction agreed / disagreed (the "Reproduce" action).</summary>
    public int Reproduced { get; init; }
    public int NotReproduced { get; init; }

    /// <summary>The review states of the runs behind this row, comma-separated and sorted.</summary>
    public string ReviewStates { get; init; } = "";

    /// <summary>On the Pareto front of (fewer parameters, better mean): set by <see cref="Pareto.Mark"/>.</summary>
    public bool OnParetoFront { get; init; }

    /// <summary>Half-width of the 95% confidence interval of the mean (Student t); null for a single seed.</summary>
    public double? Ci95 => N < 2 ? null : StudentT.Quantile975(N - 1) * StdDev / Math.Sqrt(N);
}

/// <summary>A dataset hash an experiment's runs trained on, how many succeeded runs did, and a version's name.</summary>
public sealed record LeaderboardDataset(string Sha256, int Runs, string? Label);

/// <summary>An exact reference of the experiment for the metric, averaged over the runs that computed it.</summary>
public sealed record LeaderboardReference(string Label, double Value, int Runs);

public static class Pareto
{
    /// <summary>
    /// Marks the rows no other row dominates: another row dominates when it has no more parameters and a mean at
    /// least as good, and is strictly better in one of the two. Rows without a parameter count are never on it.
    /// </summary>
    public static List<LeaderboardRow> Mark(IReadOnlyList<LeaderboardRow> rows, bool maximize)
    {
        ArgumentNullException.ThrowIfNull(rows);
        bool Better(double a, double b) => maximize ? a > b : a < b;
        return rows.Select(row => row with
        {
            OnParetoFront = row.ParameterCount is { } p && !rows.Any(o => o.ParameterCount is { } q &&
                q <= p && (Better(o.Mean, row.Mean) || o.Mean == row.Mean) && (q < p || Better(o.Mean, row.Mean))),
        }).ToList();
    }
}
