using System.Globalization;
using System.Text;
using LayerLab.Data.Sweeps;
using LayerLab.Training.Contracts;
using LayerLab.Training.Studies;
using LayerLab.Web.Sweeps;

namespace LayerLab.Web.Studies;

/// <summary>Maps studies to what the API and the pages show; the CSV of the figure's data.</summary>
public static class StudyDtos
{
    public static StudyInfoDto Info(IExperiment experiment, StudyDefinition s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(s.Key, s.Title, s.Claim, s.Thresholds, s.Configurations, s.Seeds, s.Runs, Math.Round(StudyPlan.EstimatedSeconds(experiment, s)),
            s.Axes.Select(a => new StudyAxisDto(a.Parameter, a.Values)).ToList(), s.Parameters, Figure(s.Figure));
    }

    private static StudyFigureDto Figure(StudyFigure f) => new(f.X, f.Y, f.Series, f.LogX, f.LogY);

    public static StudyDto From(StudyState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var (row, d, r) = (state.Row, state.Definition, state.Results);
        var finished = r.Succeeded + r.Failed;
        var progress = new StudyProgressDto(r.Total, finished, r.Succeeded, r.Failed, r.Pending, r.Total == 0 ? 0 : (double)finished / r.Total);
        var status = r.Total == 0 ? "Empty" : r.Pending == 0 ? "Finished" : finished == 0 && state.Progress.Running == 0 ? "Queued" : "Running";
        var figure = new StudyFigureDataDto(d.Figure.X, d.Figure.Y, d.Figure.Series, d.Figure.LogX, d.Figure.LogY,
            r.Series.Where(s => s.Plot).Select(s => new StudySeriesDto(s.Name, s.Points.Select(p => new StudyPointDto(p.X, p.Mean, p.Low, p.High, p.N)).ToList())).ToList(),
            d.Paper.Select(p => new PaperPointDto(p.Series, p.X, p.Y, p.Source)).ToList());
        return new StudyDto(row.Id, row.ExperimentKey, row.StudyKey, row.Title, d.Claim, d.Thresholds, row.SweepId, status, progress,
            Configurations(state), state.Verdict is { } v ? new StudyVerdictDto(v.Outcome.ToString(), v.Text) : null, figure,
            row.SubmittedBy, row.CreatedAt, row.RerunOfId, row.ReviewState.ToString(), row.ReviewedBy,
            Math.Round(StudyPlan.EstimatedSeconds(state.Experiment, d)), SweepProgressDto.From(state.Progress), d.HasVerdict,
            MoreFigures(d, r));
    }

    /// <summary>The study's further figures: each draws its named series, with intervals recomputed from the seeds'
    /// values and clipped to its own bounds (the aggregation clipped them to the main figure's, e.g. a rate's [0, 1],
    /// which would cut a step time in milliseconds).</summary>
    public static List<StudyFigureDataDto> MoreFigures(StudyDefinition definition, StudyResults results)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(results);
        return [.. definition.MoreFigures.Select(extra => new StudyFigureDataDto(
            extra.Figure.X, extra.Figure.Y, extra.Figure.Series, extra.Figure.LogX, extra.Figure.LogY,
            [.. extra.Series.Select(name => results.Series.FirstOrDefault(s => s.Name == name)).OfType<StudySeries>()
                .Select(s => new StudySeriesDto(s.Name, [.. s.Points
                    .Select(p => StudyAggregation.Clip(StudyAggregation.Summarize(p.X, p.Values), extra.Figure))
                    .Select(p => new StudyPointDto(p.X, p.Mean, p.Low, p.High, p.N))]))],
            []))];
    }

    /// <summary>Runs grouped by their swept values (first-seen order), with the table metrics' means over succeeded seeds.</summary>
    public static List<StudyConfigurationDto> Configurations(StudyState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var axes = state.Definition.Axes.Select(a => a.Parameter).ToList();
        return state.Runs.GroupBy(r => string.Join("\u001f", axes.Select(a => r.Run.Parameter(a))), StringComparer.Ordinal).Select(g =>
        {
            var ok = g.Where(r => r.Run.State == StudyRunState.Succeeded && r.Run.Summary is not null).ToList();
            var means = state.Definition.TableMetrics
                .Select(m => (m, Values: ok.Select(r => r.Run.Summary!.GetValueOrDefault(m, double.NaN)).Where(double.IsFinite).ToList()))
                .Where(x => x.Values.Count > 0).ToDictionary(x => x.m, x => x.Values.Average(), StringComparer.Ordinal);
            return new StudyConfigurationDto(axes.ToDictionary(a => a, a => g.First().Run.Parameter(a), StringComparer.Ordinal),
                g.Select(r => r.Id).ToList(), g.Count(), ok.Count, g.Count(r => r.Run.State == StudyRunState.Failed), means);
        }).ToList();
    }

    /// <summary>One row per (series, x): the plotted aggregate and the per-seed values behind it.</summary>
    public static string Csv(StudyState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var c = CultureInfo.InvariantCulture;
        var csv = new StringBuilder("series,x,mean,low,high,n,values\n");
        foreach (var series in state.Results.Series)
        foreach (var p in series.Points)
            csv.Append(Quote(series.Name)).Append(',').Append(p.X.ToString("R", c)).Append(',').Append(p.Mean.ToString("R", c)).Append(',')
                .Append(p.Low.ToString("R", c)).Append(',').Append(p.High.ToString("R", c)).Append(',').Append(p.N.ToString(c)).Append(',')
                .Append(Quote(string.Join(" ", p.Values.Select(v => v.ToString("R", c))))).Append('\n');
        return csv.ToString();
    }

    /// <summary>RFC 4180 quoting; a leading =, +, - or @ is prefixed with ' so a spreadsheet does not run it as a formula.</summary>
    private static string Quote(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@') value = "'" + value;
        return "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}
