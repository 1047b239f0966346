using LayerLab.Training.Checkpoints;
using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.IclLinReg;
using LayerLab.Training.Experiments.XorPrelu;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace LayerLab.Tests.Unit.Contracts;

/// <summary>The small shared contracts: tensor rules at their exact limits, the divergence message, what a run
/// context hands its reporter, per-run figure points and the experiment catalog.</summary>
public sealed class ContractEdgeTests
{
    [Theory]
    [InlineData(new[] { 1 }, 1, 1, null)]                   // an axis of exactly 1
    [InlineData(new[] { 1, 2, 3 }, 6, 6, null)]             // exactly MaxRank axes, exactly the cap
    [InlineData(new[] { 2, 0, 3 }, 0, 100, "Every axis of shape must be at least 1.")]
    [InlineData(new[] { 2, -1 }, -2, 100, "Every axis of shape must be at least 1.")]
    [InlineData(new[] { 7 }, 6, 6, "A tensor may hold at most 6 values.")]
    public void Shapes_at_their_limits(int[] shape, long length, int max, string? problem) =>
        Assert.Equal(problem, TensorRules.ShapeProblem(shape, length, max));

    [Fact]
    public void Value_and_key_problems_say_where_and_what()
    {
        Assert.Null(TensorRules.ShapeProblem(new List<int> { 4 }, 4, 4));
        Assert.Throws<ArgumentNullException>(() => TensorRules.ShapeProblem(null!, 0, 1));
        Assert.Equal("data[2] is not a finite number; tensors hold finite values only.",
            TensorRules.ValuesProblem([0, 1, float.PositiveInfinity]));
        Assert.Null(TensorRules.ValuesProblem([]));
        Assert.Equal("key is required.", TensorRules.KeyProblem(null));
        Assert.Equal("key is required.", TensorRules.KeyProblem(""));
        Assert.Null(TensorRules.KeyProblem(new string('k', TensorRules.MaxKeyLength)));
        Assert.Equal("key may be at most 100 characters.", TensorRules.KeyProblem(new string('k', 101)));
        foreach (var ok in new[] { "a_b", "a.b", "a-b", "a@b", "a=b", "Z9", "_" })
            Assert.Null(TensorRules.KeyProblem(ok));
        foreach (var bad in new[] { "a b", "a/b", "é", "a:b", "a\\b" })
            Assert.Equal("key may hold letters, digits and _ . - @ = only.", TensorRules.KeyProblem(bad));
    }

    [Fact]
    public void Shapes_format_and_parse_loosely()
    {
        Assert.Equal("5", TensorRules.FormatShape([5]));
        Assert.Equal("2x3x4", TensorRules.FormatShape([2, 3, 4]));
        Assert.Equal([3, 4], TensorRules.ParseShape("3xx4x"));
        Assert.Empty(TensorRules.ParseShape(null!));
        Assert.Empty(TensorRules.ParseShape(""));
        Assert.Equal([1f, 2f], TensorRules.Decode(TensorRules.Encode([1f, 2f])));
        Assert.Empty(TensorRules.Decode([]));
        var odd = Assert.Throws<ArgumentException>(() => TensorRules.Decode(new byte[6]));
        Assert.Equal("bytes", odd.ParamName);
        Assert.StartsWith("A float32 blob is a multiple of 4 bytes long.", odd.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Divergence_names_the_value_and_the_step()
    {
        Assert.Equal("loss became NaN at step 5", new TrainingDivergedException(5, double.NaN).Message);
        Assert.Equal("loss became +Infinity at step 6", new TrainingDivergedException(6, double.PositiveInfinity).Message);
        Assert.Equal("loss became -Infinity at step 7", new TrainingDivergedException(7, double.NegativeInfinity).Message);
        Assert.Equal(7, new TrainingDivergedException(7, double.NegativeInfinity).Step);
        Assert.Equal("loss became NaN", new TrainingDivergedException().Message);
        Assert.Equal("why", new TrainingDivergedException("why").Message);
        var inner = new InvalidOperationException();
        Assert.Same(inner, new TrainingDivergedException("why", inner).InnerException);

        TrainingDivergedException.ThrowIfNotFinite(1e300, 1);
        TrainingDivergedException.ThrowIfNotFinite(-0.0, 1);
        Assert.Equal(3, Assert.Throws<TrainingDivergedException>(() => TrainingDivergedException.ThrowIfNotFinite(double.NaN, 3)).Step);
        Assert.Equal(4, Assert.Throws<TrainingDivergedException>(() => TrainingDivergedException.ThrowIfNotFinite(double.PositiveInfinity, 4)).Step);
    }

    private sealed class Recorder : IRunReporter
    {
        public List<(long RunId, MetricSample Sample)> Metrics { get; } = [];
        public List<double> Progress { get; } = [];
        public List<TensorSample> Tensors { get; } = [];

        public ValueTask ReportMetricsAsync(long runId, IReadOnlyList<MetricSample> samples, CancellationToken cancellationToken)
        {
            Metrics.AddRange(samples.Select(s => (runId, s)));
            return ValueTask.CompletedTask;
        }

        public ValueTask ReportProgressAsync(long runId, double fraction, CancellationToken cancellationToken)
        {
            Progress.Add(fraction);
            return ValueTask.CompletedTask;
        }

        public ValueTask ReportTensorAsync(long runId, TensorSample tensor, CancellationToken cancellationToken)
        {
            Tensors.Add(tensor);
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task A_run_context_reports_under_its_run_clamps_progress_and_copies_tensors()
    {
        var recorder = new Recorder();
        var parameters = RunParameters.DefaultsWith([ParameterSpec.Integer("n", 1, 1, 2, "N.")]);
        var context = new RunContext(17, parameters, 99, CPU, recorder, NullLogger.Instance);
        Assert.Equal((17L, 99L), (context.RunId, context.Seed));
        Assert.Same(parameters, context.Parameters);
        Assert.NotNull(context.Checkpoints);                   // off, not null, when no store is given
        var given = RunCheckpoints.None();
        Assert.Same(given, new RunContext(17, parameters, 99, CPU, recorder, NullLogger.Instance, given).Checkpoints);

        await context.ReportAsync(3, new Dictionary<string, double> { ["loss"] = 0.5, ["acc"] = 0.75 }, CancellationToken.None);
        await context.ReportAsync([new MetricSample("loss", 4, 0.25)], CancellationToken.None);
        Assert.Equal([(17L, new MetricSample("loss", 3, 0.5)), (17L, new MetricSample("acc", 3, 0.75)), (17L, new MetricSample("loss", 4, 0.25))],
            recorder.Metrics);

        foreach (var f in new[] { -0.5, 0, 0.3, 1, 1.5 }) await context.ReportProgressAsync(f, CancellationToken.None);
        Assert.Equal([0, 0, 0.3, 1, 1], recorder.Progress);

        int[] shape = [2];
        float[] data = [1, 2];
        await context.ReportTensorAsync("w", 8, shape, data, CancellationToken.None);
        shape[0] = 9;
        data[0] = 9;                                           // the caller reuses its buffers
        var tensor = Assert.Single(recorder.Tensors);
        Assert.Equal(("w", 8L), (tensor.Key, tensor.Step));
        Assert.Equal([2], tensor.Shape);
        Assert.Equal([1f, 2f], tensor.Data);
    }

    [Fact]
    public void Figure_points_come_from_matching_numeric_keys_sorted_with_a_level_across_them()
    {
        var summary = new Dictionary<string, double>
        {
            ["success/prelu@lr=0.1"] = 0.5,
            ["success/prelu@lr=0.001"] = 1,
            ["success/prelu@lr=1e-2"] = 0.75,
            ["success/prelu@lr=inf"] = 0.2,       // "inf" is not a number here
            ["success/prelu@lr=0.5"] = double.NaN,
            ["success/relu@lr=0.01"] = 0.1,
            ["xsuccess/prelu@lr=0.2"] = 0.3,
        };
        var points = RunFigureSummary.Sweep(summary, "success/prelu", "lr");
        Assert.Equal([new RunFigurePoint(0.001, 1), new RunFigurePoint(0.01, 0.75), new RunFigurePoint(0.1, 0.5)], points);
        Assert.Throws<ArgumentNullException>(() => RunFigureSummary.Points(null!, "x"));

        var level = RunFigureSummary.Level("Bayes", 0.9, points);
        Assert.Equal(("Bayes", true), (level.Name, level.Reference));
        Assert.Equal([new RunFigurePoint(0.001, 0.9), new RunFigurePoint(0.1, 0.9)], level.Points);
        Assert.Empty(RunFigureSummary.Level("Bayes", 0.9, []).Points);
        Assert.Empty(RunFigureSummary.Level("Bayes", double.NaN, points).Points);
        Assert.True(RunFigureSummary.Level("Bayes", double.NaN, points).Reference);
    }

    [Fact]
    public void The_catalog_lists_experiments_by_key_and_finds_exact_keys_only()
    {
        var catalog = new ExperimentCatalog([new XorPreluExperiment(), new IclLinRegExperiment()]);
        Assert.Equal(["icl-linreg", "xor-prelu"], catalog.All.Select(e => e.Key));
        Assert.IsType<XorPreluExperiment>(catalog.Find("xor-prelu"));
        Assert.Null(catalog.Find("XOR-PRELU"));
        Assert.Null(catalog.Find("nope"));
    }
}
