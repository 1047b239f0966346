using LayerLab.Data.Leaderboard;
using LayerLab.Training.Contracts;
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

    [Fact]
    public void Knobs_are_recognised_by_role_not_by_name()
    {
        // "depth" is the layer knob here and "layers" means something else: the role decides, not the name.
        var depth = new KnobsOnly(
            ParameterSpec.Integer("depth", 6, 1, 64, "Blocks.") with { Role = ParameterRole.Layers },
            ParameterSpec.Integer("layers", 99, 1, 999, "Not the depth (e.g. layers of a data generator)."),
            ParameterSpec.Integer("embed", 48, 1, 1024, "Width.") with { Role = ParameterRole.Width },
            ParameterSpec.Integer("iters", 700, 1, 10_000, "Steps.") with { Role = ParameterRole.Steps },
            ParameterSpec.Integer("minibatch", 16, 1, 1024, "Batch.") with { Role = ParameterRole.Batch });
        Assert.Equal(new ConfigurationShape(3, null, 64, 700, 16), ConfigurationShape.Of("""{"depth":3,"layers":5,"embed":64}""", depth));
        Assert.Equal(new ConfigurationShape(6, null, 48, 700, 16), ConfigurationShape.Of("{}", depth));
        Assert.True(ComputeMeasure.For(depth).FromSteps);
        // Without roles the same knobs are nothing the leaderboard knows, whatever their names.
        var unmarked = new KnobsOnly(ParameterSpec.Integer("layers", 2, 1, 8, "Blocks."), ParameterSpec.Integer("steps", 10, 1, 99, "Steps."));
        Assert.Equal(new ConfigurationShape(null, null, null, null, null), ConfigurationShape.Of("""{"layers":4}""", unmarked));
        Assert.False(ComputeMeasure.For(unmarked).FromSteps);
    }

    /// <summary>An experiment that is only its knobs (never trained here).</summary>
    private sealed class KnobsOnly(params ParameterSpec[] parameters) : IExperiment
    {
        public string Key => "knobs-only";
        public string Title => Key;
        public string Paper => "";
        public string PaperUrl => "";
        public string Claim => "";
        public IReadOnlyList<ParameterSpec> Parameters => parameters;
        public IReadOnlyList<MetricDefinition> Metrics => [];
        public string PrimaryMetric => "loss";
        public Task<RunResult> TrainAsync(RunContext context, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
