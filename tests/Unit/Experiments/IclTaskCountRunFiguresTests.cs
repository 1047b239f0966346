using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.IclTaskCount;

namespace LayerLab.Tests.Unit.Experiments;

/// <summary>icl-task-count's per-run figure: risk against pool size M with Γ* and Bayes as dashed levels.</summary>
public sealed class IclTaskCountRunFiguresTests
{
    [Fact]
    public void Risk_against_pool_size_skips_the_fresh_pool_and_draws_gamma_star_and_bayes_across_the_pools()
    {
        var summary = new Dictionary<string, double>
        {
            ["test_mse/M=16"] = 0.4,
            ["test_mse/M=1"] = 2.0,
            ["test_mse/M=inf"] = 0.3,
            ["ref/pool_posterior/M=1"] = 1.9,
            ["ref/gamma_star"] = 0.35,
            ["ref/bayes"] = 0.33,
            ["test_mse"] = 0.3,
        };
        var figure = Assert.Single(IclTaskCountRunFigures.For(summary));
        Assert.True(figure.LogX);
        Assert.Equal(["test risk (trained model)", "pool posterior mean", "optimal Γ*", "Bayes ridge"], figure.Series.Select(s => s.Name));
        Assert.Equal([new RunFigurePoint(1, 2.0), new(16, 0.4)], figure.Series[0].Points);
        Assert.False(figure.Series[0].Reference);
        // Levels span the pools drawn (1 … 16), and every reference is dashed.
        Assert.Equal([new RunFigurePoint(1, 0.35), new(16, 0.35)], figure.Series[2].Points);
        Assert.Equal([new RunFigurePoint(1, 0.33), new(16, 0.33)], figure.Series[3].Points);
        Assert.All(figure.Series.Skip(1), s => Assert.True(s.Reference));
    }

    [Fact]
    public void A_summary_without_pool_risks_has_no_figure() =>
        Assert.Empty(IclTaskCountRunFigures.For(new Dictionary<string, double> { ["ref/bayes"] = 0.3 }));
}
