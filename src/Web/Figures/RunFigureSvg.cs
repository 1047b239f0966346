using LayerLab.Data.Runs;
using LayerLab.Training.Contracts;
using LayerLab.Web.Studies;

namespace LayerLab.Web.Figures;

/// <summary>
/// A run's own figures (<see cref="IHasRunFigures"/>): computed from its summary and parameters, drawn by the same
/// server-side SVG renderer as study figures, so the page, the SVG download and the PNG export are one picture.
/// </summary>
public static class RunFigureSvg
{
    /// <summary>The figures of a finished run of an experiment that declares some; none otherwise.</summary>
    public static IReadOnlyList<RunFigure> For(Run run, IExperiment? experiment)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (experiment is not IHasRunFigures figures || run.SummaryJson is null) return [];
        var summary = run.Summary() ?? [];
        var parameters = run.ParameterTexts();
        return figures.RunFigures(summary, parameters).Where(f => f.Series.Any(s => s.Points.Count > 0)).ToList();
    }

    public static string Render(RunFigure figure, string testId = "run-figure-svg")
    {
        ArgumentNullException.ThrowIfNull(figure);
        var data = new StudyFigureDataDto(figure.X, figure.Y, "", figure.LogX, figure.LogY,
            figure.Series.Select(s => new StudySeriesDto(s.Name, s.Points.Select(p => new StudyPointDto(p.X, p.Y, p.Y, p.Y, 1)).ToList())).ToList(),
            []);
        var dashed = figure.Series.Where(s => s.Reference).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        return StudySvg.Render(data, testId: testId, note: null, dashed: dashed);
    }
}
