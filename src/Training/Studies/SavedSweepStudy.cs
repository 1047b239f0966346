using System.Globalization;

namespace LayerLab.Training.Studies;

/// <summary>The figure a user chose when saving a sweep as a study: which swept parameter is x, which summary metric
/// is y, which parameter (if any) splits the lines, and the log axes. An optional note says what the user looks for.</summary>
public sealed record SavedFigure(string X, string Y, string? Series = null, bool LogX = false, bool LogY = false, string? Note = null);

/// <summary>
/// Any sweep saved as a study with the user's own figure (issue #15): the same aggregation over seeds (mean and 95%
/// t-interval), the same page, CSV and SVG as a declared study. It has no verdict: no claim and no rule were fixed
/// before measuring, and a verdict written afterwards could be tuned to pass.
/// </summary>
public static class SavedSweepStudy
{
    /// <summary>The study key of every saved sweep (declared studies never use it).</summary>
    public const string Key = "saved-sweep";

    public const string NoVerdict =
        "None: this study was saved from a sweep, so no claim or rule was stated before measuring and no verdict is given.";

    /// <param name="swept">The sweep's swept parameters (the configuration table's columns).</param>
    public static StudyDefinition Define(string title, SavedFigure figure, IReadOnlyList<string> swept)
    {
        ArgumentNullException.ThrowIfNull(figure);
        ArgumentNullException.ThrowIfNull(swept);
        return new StudyDefinition
        {
            Key = Key,
            Title = title,
            Claim = string.IsNullOrWhiteSpace(figure.Note) ? "No claim stated (a sweep saved as a study)." : figure.Note,
            Thresholds = NoVerdict,
            HasVerdict = false,
            Axes = swept.Select(p => new StudyAxis(p, [])).ToList(),
            Seeds = 1,
            MinSeeds = 1,
            Figure = new StudyFigure(figure.X, figure.Y, figure.Series ?? "metric", figure.LogX, figure.LogY),
            TableMetrics = [figure.Y],
            SecondsPerJob = _ => 0,
            Observe = run => Observe(run, figure),
            Verdict = _ => StudyVerdict.Inconclusive(NoVerdict),
        };
    }

    /// <summary>One point per succeeded run that has the metric and a numeric x; the series is the split parameter's
    /// value (one line per value), or the metric's name when nothing splits the lines.</summary>
    public static IEnumerable<StudyObservation> Observe(StudyRun run, SavedFigure figure)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(figure);
        if (run.Summary is null || !run.Summary.TryGetValue(figure.Y, out var y)) yield break;
        if (!double.TryParse(run.Parameter(figure.X), NumberStyles.Float, CultureInfo.InvariantCulture, out var x)) yield break;
        yield return new StudyObservation(figure.Series is null ? figure.Y : $"{figure.Series} = {run.Parameter(figure.Series)}", x, y);
    }
}
