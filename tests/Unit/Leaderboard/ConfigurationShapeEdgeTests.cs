using LayerLab.Data.Leaderboard;
using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.IclLinReg;
using LayerLab.Web.Leaderboard;

namespace LayerLab.Tests.Unit.Leaderboard;

/// <summary>The leaderboard's configuration shape and compute measure on odd input: bad JSON, logged values that are
/// not whole numbers, the width's alternative names, a role knob whose default is not a whole number, and rows with
/// nothing to measure.</summary>
public sealed class ConfigurationShapeEdgeTests
{
    private static readonly ConfigurationShape None = new(null, null, null, null, null);

    [Fact]
    public void External_runs_read_every_conventional_name_in_order()
    {
        Assert.Equal(new ConfigurationShape(2, 4, 16, 100, 8),
            ConfigurationShape.Of("""{"layers":2,"heads":4,"width":16,"d":8,"steps":100,"batch":8}""", null));
        Assert.Equal(new ConfigurationShape(null, null, 32, null, null), ConfigurationShape.Of("""{"d_model":32,"width":16,"d":8}""", null));
        Assert.Equal(new ConfigurationShape(null, null, 8, null, null), ConfigurationShape.Of("""{"d":8}""", null));
    }

    [Theory]
    [InlineData("""{"layers":"4"}""")]     // a string, not a number
    [InlineData("""{"layers":4.5}""")]     // not whole
    [InlineData("""{"layers":1e30}""")]    // beyond a long
    [InlineData("not json")]
    [InlineData("null")]
    public void Logged_values_count_only_as_whole_numbers(string json) => Assert.Equal(None, ConfigurationShape.Of(json, null));

    [Fact]
    public void Bad_json_falls_back_to_the_experiments_defaults_and_non_whole_defaults_are_unknown()
    {
        var icl = new IclLinRegExperiment();
        Assert.Equal(ConfigurationShape.Of("{}", icl), ConfigurationShape.Of("not json", icl));
        Assert.Equal(IclLinRegSettings.Default.Layers, ConfigurationShape.Of("not json", icl).Layers);
        var real = new KnobsOnly(ParameterSpec.Real("width", 0.5, 0, 1, "Not whole.") with { Role = ParameterRole.Width });
        Assert.Equal(None, ConfigurationShape.Of("{}", real));
        Assert.Equal(new ConfigurationShape(null, null, 3, null, null), ConfigurationShape.Of("""{"width":3}""", real));
    }

    [Fact]
    public void Compute_needs_both_steps_and_batch_and_a_positive_time()
    {
        var stepsOnly = new KnobsOnly(ParameterSpec.Integer("steps", 10, 1, 99, "Steps.") with { Role = ParameterRole.Steps });
        var batchOnly = new KnobsOnly(ParameterSpec.Integer("batch", 10, 1, 99, "Batch.") with { Role = ParameterRole.Batch });
        Assert.False(ComputeMeasure.For(stepsOnly).FromSteps);
        Assert.False(ComputeMeasure.For(batchOnly).FromSteps);
        Assert.False(ComputeMeasure.For(null).FromSteps);

        var row = new LeaderboardRow("{}", 2, 0.1, 0, 0.1, 0.1, MeanSeconds: 0, "cpu", "ann", 1, ParameterCount: 10);
        var wall = new ComputeMeasure(false);
        Assert.Null(wall.Of(row, None));                                   // no time measured
        Assert.Equal(1e-3, wall.Of(row with { MeanSeconds = 1e-3 }, None));
        var steps = new ComputeMeasure(true);
        Assert.Null(steps.Of(row, new ConfigurationShape(1, 1, 1, null, 4)));
        Assert.Null(steps.Of(row, new ConfigurationShape(1, 1, 1, 5, null)));
        Assert.Equal(200, steps.Of(row, new ConfigurationShape(1, 1, 1, 5, 4)));
        Assert.Throws<ArgumentNullException>(() => steps.Of(null!, None));
        Assert.Throws<ArgumentNullException>(() => steps.Of(row, null!));
    }

    [Fact]
    public void Labels_say_what_the_axis_measures()
    {
        Assert.Equal("compute ≈ parameters × steps × batch", new ComputeMeasure(true).AxisLabel);
        Assert.Equal("training wall-clock time (s)", new ComputeMeasure(false).AxisLabel);
        Assert.StartsWith("Compute is parameters × steps × batch", new ComputeMeasure(true).Explanation, StringComparison.Ordinal);
        Assert.StartsWith("This experiment has no steps and batch parameters", new ComputeMeasure(false).Explanation, StringComparison.Ordinal);
    }

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
