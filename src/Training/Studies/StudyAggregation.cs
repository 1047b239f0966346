namespace LayerLab.Training.Studies;

/// <summary>One x of one series: the mean over seeds and its 95% t-interval (Low = High = Mean when n &lt; 2).</summary>
public sealed record StudyPoint(double X, double Mean, double Low, double High, int N, IReadOnlyList<double> Values);

public sealed record StudySeries(string Name, IReadOnlyList<StudyPoint> Points, bool Plot = true);

/// <summary>A study's runs aggregated: the figure's series and how many runs are in each state.</summary>
public sealed record StudyResults(IReadOnlyList<StudySeries> Series, int Total, int Succeeded, int Failed, int Pending, int MinSeeds)
{
    public bool IsFinished => Pending == 0;

    public StudyPoint? Point(string series, double x) =>
        Series.FirstOrDefault(s => s.Name == series)?.Points.FirstOrDefault(p => p.X.Equals(x));

    public IReadOnlyList<StudyPoint> PointsOf(string series) => Series.FirstOrDefault(s => s.Name == series)?.Points ?? [];

    /// <summary>
    /// The checks every verdict makes first: runs still pending, failed runs, or a needed point with fewer than
    /// <see cref="MinSeeds"/> seeds make the study Inconclusive. Null when the data suffices.
    /// </summary>
    public StudyVerdict? Guard(params (string Series, double X)[] needed)
    {
        if (Pending > 0) return StudyVerdict.Inconclusive($"{Pending} of {Total} runs have not finished.");
        if (Failed > 0) return StudyVerdict.Inconclusive($"{Failed} of {Total} runs failed; rerun them before judging the claim.");
        foreach (var (series, x) in needed)
        {
            var n = Point(series, x)?.N ?? 0;
            if (n < MinSeeds)
                return StudyVerdict.Inconclusive($"Too few seeds: {series} at {x:G4} has n = {n} (at least {MinSeeds} needed).");
        }
        return null;
    }
}

/// <summary>Pure aggregation of study runs: mean and 95% t-interval over seeds per (series, x).</summary>
public static class StudyAggregation
{
    public static StudyResults Aggregate(StudyDefinition study, IEnumerable<StudyRun> runs)
    {
        ArgumentNullException.ThrowIfNull(study);
        ArgumentNullException.ThrowIfNull(runs);
        var list = runs.ToList();
        var observations = list.Where(r => r.State == StudyRunState.Succeeded && r.Summary is not null)
            .SelectMany(study.Observe)
            .Where(o => double.IsFinite(o.X) && double.IsFinite(o.Y));
        // Series in first-seen order (the study's axis order), points sorted by x.
        var series = observations.GroupBy(o => o.Series, StringComparer.Ordinal)
            .Select(g => new StudySeries(g.Key, g.GroupBy(o => o.X).OrderBy(p => p.Key)
                .Select(p => Clip(Summarize(p.Key, p.Select(o => o.Y).ToList()), study.Figure)).ToList(), g.First().Plot))
            .ToList();
        return new StudyResults(series, list.Count,
            list.Count(r => r.State == StudyRunState.Succeeded), list.Count(r => r.State == StudyRunState.Failed),
            list.Count(r => r.State == StudyRunState.Pending), study.MinSeeds);
    }

    /// <summary>The interval cut to the range y can take (the figure's bounds); the mean is untouched.</summary>
    public static StudyPoint Clip(StudyPoint point, StudyFigure figure)
    {
        ArgumentNullException.ThrowIfNull(point);
        ArgumentNullException.ThrowIfNull(figure);
        var (low, high) = (point.Low, point.High);
        if (figure.YMin is { } min) (low, high) = (Math.Max(low, min), Math.Max(high, min));
        if (figure.YMax is { } max) (low, high) = (Math.Min(low, max), Math.Min(high, max));
        return point with { Low = low, High = high };
    }

    public static StudyPoint Summarize(double x, IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var n = values.Count;
        if (n == 0) return new StudyPoint(x, double.NaN, double.NaN, double.NaN, 0, values);
        var mean = values.Average();
        if (n < 2) return new StudyPoint(x, mean, mean, mean, n, values);
        var sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        var half = StudentT.Quantile975(n - 1) * sd / Math.Sqrt(n);
        return new StudyPoint(x, mean, mean - half, mean + half, n, values);
    }

    /// <summary>
    /// Least-squares slope of log y on log x over every seed's value (not the means, so the interval reflects
    /// seed noise), with its 95% t-interval (n − 2 degrees of freedom). Null with fewer than 3 values or
    /// fewer than 2 distinct x; non-positive values are skipped (no logarithm).
    /// </summary>
    public static (double Slope, double Low, double High, int N)? LogLogSlope(IEnumerable<StudyPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var xy = points.Where(p => p.X > 0).SelectMany(p => p.Values.Where(v => v > 0).Select(v => (X: Math.Log(p.X), Y: Math.Log(v)))).ToList();
        if (xy.Count < 3 || xy.Select(p => p.X).Distinct().Count() < 2) return null;
        var (mx, my) = (xy.Average(p => p.X), xy.Average(p => p.Y));
        var sxx = xy.Sum(p => (p.X - mx) * (p.X - mx));
        var slope = xy.Sum(p => (p.X - mx) * (p.Y - my)) / sxx;
        var intercept = my - (slope * mx);
        var residual = xy.Sum(p => Math.Pow(p.Y - intercept - (slope * p.X), 2));
        var se = Math.Sqrt(residual / (xy.Count - 2) / sxx);
        var half = StudentT.Quantile975(xy.Count - 2) * se;
        return (slope, slope - half, slope + half, xy.Count);
    }
}
