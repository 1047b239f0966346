using LayerLab.Data.Leaderboard;
using LayerLab.Training.Experiments.IclLinReg;
using LayerLab.Training.Experiments.XorPrelu;
using LayerLab.Web.Leaderboard;

namespace LayerLab.Tests.Unit.Leaderboard;

/// <summary>Architecture columns and the budget view's compute, from real catalog experiments' parameters.</summary>
public sealed class ConfigurationShapeTests
{
    [Fact]
    public void Shape_reads_the_parameters_and_falls_back_to_the_experiments_defaults()
    {
        var icl = new IclLinRegExperiment();
        var shape = ConfigurationShape.Of("""{"layers":3,"heads":2,"d":8,"steps":500,"batch":64}""", icl);
        Assert.Equal(new ConfigurationShape(3, 2, 8, 500, 64), shape);
        var defaults = ConfigurationShape.Of("{}", icl);
        Assert.Equal(IclLinRegSettings.Default.Layers, defaults.Layers);
        Assert.Equal(IclLinRegSettings.Default.Heads, defaults.Heads);
        // An experiment without such parameters has none; external runs (no experiment) only what they logged.
        Assert.Equal(new ConfigurationShape(null, null, null, null, null), ConfigurationShape.Of("""{"epochs":300}""", new XorPreluExperiment()));
        Assert.Equal(new ConfigurationShape(4, null, 32, null, null), ConfigurationShape.Of("""{"layers":4,"d_model":32}""", null));
    }

    [Fact]
    public void Compute_is_parameters_times_steps_times_batch_where_known_else_wall_time()
    {
        var row = new LeaderboardRow("{}", 2, 0.1, 0, 0.1, 0.1, MeanSeconds: 12.5, "cpu", "ann", 1, ParameterCount: 1000);
        var steps = ComputeMeasure.For(new IclLinRegExperiment());
        Assert.True(steps.FromSteps);
        Assert.Equal(1000.0 * 500 * 64, steps.Of(row, new ConfigurationShape(1, 1, 8, 500, 64)));
        Assert.Null(steps.Of(row with { ParameterCount = null }, new ConfigurationShape(1, 1, 8, 500, 64)));

        var wall = ComputeMeasure.For(new XorPreluExperiment());
        Assert.False(wall.FromSteps);
        Assert.Equal(12.5, wall.Of(row, new ConfigurationShape(null, null, null, null, null)));
        Assert.Contains("wall-clock", wall.Explanation, StringComparison.Ordinal);
    }
}
