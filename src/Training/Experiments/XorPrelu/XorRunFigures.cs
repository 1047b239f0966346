using LayerLab.Training.Contracts;

namespace LayerLab.Training.Experiments.XorPrelu;

/// <summary>
/// The paper's figure from one run: success rate against learning rate (log x) for each model family, read from the
/// summary's success/{model}@lr={lr} keys. The claim is about the width of the 100% band, which this shows at a glance.
/// </summary>
public static class XorRunFigures
{
    public static IReadOnlyList<RunFigure> For(IReadOnlyDictionary<string, double> summary)
    {
        var series = XorModels.All
            .Select(m => new RunFigureSeries(XorModels.DisplayName(m), RunFigureSummary.Sweep(summary, $"success/{XorModels.Key(m)}", "lr")))
            .Where(s => s.Points.Count > 0)
            .ToList();
        return series.Count == 0 ? [] :
            [new RunFigure("success-vs-lr", "Success rate against learning rate", "learning rate", "success rate", series, LogX: true)];
    }
}
