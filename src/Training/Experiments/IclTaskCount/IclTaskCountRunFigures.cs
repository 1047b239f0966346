using LayerLab.Training.Contracts;

namespace LayerLab.Training.Experiments.IclTaskCount;

/// <summary>
/// The paper's figure from one run: test risk against the pretraining pool size M (log x), with the optimal Γ* and
/// the Bayes ridge risk as dashed levels and the pool posterior mean (exact for small pools) dashed too. The fresh-task
/// pool (M = ∞) has no place on a log axis: its risk is in the summary table.
/// </summary>
public static class IclTaskCountRunFigures
{
    public static IReadOnlyList<RunFigure> For(IReadOnlyDictionary<string, double> summary)
    {
        var risk = RunFigureSummary.Points(summary, "test_mse/M=");
        if (risk.Count == 0) return [];
        var series = new List<RunFigureSeries> { new("test risk (trained model)", risk) };
        var posterior = RunFigureSummary.Points(summary, "ref/pool_posterior/M=");
        if (posterior.Count > 0) series.Add(new("pool posterior mean", posterior, Reference: true));
        if (summary.TryGetValue("ref/gamma_star", out var gammaStar)) series.Add(RunFigureSummary.Level("optimal Γ*", gammaStar, risk));
        if (summary.TryGetValue("ref/bayes", out var bayes)) series.Add(RunFigureSummary.Level("Bayes ridge", bayes, risk));
        return [new RunFigure("risk-vs-pool", "Test risk against pretraining pool size", "pool size M", "test MSE",
            series.Where(s => s.Points.Count > 0).ToList(), LogX: true)];
    }
}
