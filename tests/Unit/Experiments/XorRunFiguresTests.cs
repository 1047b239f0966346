using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.XorPrelu;

namespace LayerLab.Tests.Unit.Experiments;

/// <summary>xor-prelu's per-run figure: success against learning rate per model family, read from summary keys.</summary>
public sealed class XorRunFiguresTests
{
    [Fact]
    public void Success_against_lr_has_one_series_per_family_sorted_by_learning_rate()
    {
        // Keys in the summary's own order (not sorted), with a plain key and a non-numeric one that must be ignored.
        var summary = new Dictionary<string, double>
        {
            ["success/prelu@lr=1"] = 0.5,
            ["success/prelu@lr=0.001"] = 0,
            ["success/prelu@lr=0.0316"] = 1,
            ["success/prelu"] = 0.5,
            ["success/mlp@lr=0.0316"] = 0.25,
            ["success/mlp@lr=x"] = 0.75,
            ["band_points/prelu"] = 2,
        };
        var figure = Assert.Single(XorRunFigures.For(summary));
        Assert.Equal("success-vs-lr", figure.Key);
        Assert.True(figure.LogX);
        Assert.Equal(["PReLU", "MLP"], figure.Series.Select(s => s.Name));
        Assert.Equal([new RunFigurePoint(0.001, 0), new(0.0316, 1), new(1, 0.5)], figure.Series[0].Points);
        Assert.Equal([new RunFigurePoint(0.0316, 0.25)], figure.Series[1].Points);
        // The experiment answers through the contract the run page uses.
        Assert.Equal(figure.Series.Count, new XorPreluExperiment().RunFigures(summary, new Dictionary<string, string>()).Single().Series.Count);
    }

    [Fact]
    public void A_summary_without_the_lr_grid_has_no_figure() =>
        Assert.Empty(XorRunFigures.For(new Dictionary<string, double> { ["success/prelu"] = 1 }));
}
