using System.Globalization;

namespace LayerLab.Training.Contracts;

/// <summary>
/// An experiment whose finished run has figures worth drawing beyond the metric curves: the paper's own plot computed
/// from one run's summary (and parameters), e.g. success rate against learning rate per model. The run page draws
/// them above its tables and offers each as SVG and PNG.
/// </summary>
public interface IHasRunFigures
{
    /// <summary>
    /// The figures for one finished run. <paramref name="summary"/> is the run's summary (key → value);
    /// <paramref name="parameters"/> its parameters as text. A figure with no drawable point is left out.
    /// </summary>
    IReadOnlyList<RunFigure> RunFigures(IReadOnlyDictionary<string, double> summary, IReadOnlyDictionary<string, string> parameters);
}

/// <summary>One per-run figure: a key (used in its URL, [a-z0-9-]), a title, axis names and its series.</summary>
public sealed record RunFigure(string Key, string Title, string X, string Y, IReadOnlyList<RunFigureSeries> Series,
    bool LogX = false, bool LogY = false);

/// <summary>A line of the figure; a reference (an exact or Bayes value) is drawn dashed.</summary>
public sealed record RunFigureSeries(string Name, IReadOnlyList<RunFigurePoint> Points, bool Reference = false);

public sealed record RunFigurePoint(double X, double Y);

/// <summary>Helpers for figures read out of summary keys of the form "metric@param=value".</summary>
public static class RunFigureSummary
{
    /// <summary>A horizontal reference line across the x range of <paramref name="over"/> (empty when it has no point).</summary>
    public static RunFigureSeries Level(string name, double value, IReadOnlyList<RunFigurePoint> over) =>
        new(name, over.Count == 0 || !double.IsFinite(value) ? [] : [new(over[0].X, value), new(over[^1].X, value)], Reference: true);

    /// <summary>
    /// The points of "{metric}@{parameter}=x" keys, sorted by x (the value must parse as a number). For
    /// "success/prelu" and "lr" it reads success/prelu@lr=0.001, success/prelu@lr=0.01, ...
    /// </summary>
    public static IReadOnlyList<RunFigurePoint> Sweep(IReadOnlyDictionary<string, double> summary, string metric, string parameter) =>
        Points(summary, $"{metric}@{parameter}=");

    /// <summary>
    /// The points of keys "{prefix}x" whose rest parses as a number, sorted by x: "test_mse/M=" reads test_mse/M=1,
    /// test_mse/M=4, ... and skips test_mse/M=inf.
    /// </summary>
    public static IReadOnlyList<RunFigurePoint> Points(IReadOnlyDictionary<string, double> summary, string prefix)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var points = new List<RunFigurePoint>();
        foreach (var (key, value) in summary)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            if (double.TryParse(key.AsSpan(prefix.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(value))
                points.Add(new(x, value));
        }
        return points.OrderBy(p => p.X).ToList();
    }
}
