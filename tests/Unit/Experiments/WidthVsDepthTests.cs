using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.WidthVsDepth;

namespace LayerLab.Tests.Unit.Experiments;

public sealed class WidthVsDepthTests
{
    [Fact]
    public void Target_grid_and_its_variance_are_exact()
    {
        Assert.Equal(1, MinWidthTarget.F(0.25, 0.25), 14);
        Assert.Equal(-1, MinWidthTarget.F(0.25, 0.75), 14);
        var (x, y) = MinWidthTarget.Grid(4);
        Assert.Equal((0.125, 0.375), (x[2], x[3])); // point 1 = row 0, column 1, at the centres
        Assert.Equal(16, y.Length);
        // Mean of sin²(2πx) over n ≥ 3 equally spaced centres is exactly ½, so the variance of f is ¼ and its mean 0.
        Assert.Equal(0.25, MinWidthTarget.Variance(MinWidthTarget.Grid(32).Y), 12);
        Assert.Equal(0, MinWidthTarget.Grid(32).Y.Average(), 12);
    }

    [Fact]
    public void Relu_mlp_gradient_matches_finite_differences()
    {
        var net = new ReluMlp(3, 3);
        var theta = net.Initial(new Random(4));
        var (x, y) = MinWidthTarget.Grid(5);
        var gradient = new double[theta.Length];
        net.Loss(theta, x, y, gradient);
        for (var i = 0; i < theta.Length; i++)
        {
            var (plus, minus) = ((double[])theta.Clone(), (double[])theta.Clone());
            plus[i] += 1e-7; minus[i] -= 1e-7;
            Assert.Equal((net.Loss(plus, x, y) - net.Loss(minus, x, y)) / 2e-7, gradient[i], 5);
        }
        Assert.Equal((2 * 3) + 3 + (2 * ((3 * 3) + 3)) + 3 + 1, net.ParameterCount);
    }

    [Fact]
    public void A_width_1_network_of_any_depth_is_monotone_along_its_first_projection()
    {
        // Why width 1 must plateau: it computes g(w·x + b) with g a composition of ReLUs of scalars, monotone.
        foreach (var depth in new[] { 2, 5, 12 })
        {
            var net = new ReluMlp(1, depth);
            var theta = net.Initial(new Random(depth));
            var (w1, w2) = (theta[0], theta[1]);
            var points = Enumerable.Range(0, 400).Select(i => (X1: (i * 37 % 400) / 400.0, X2: (i * 91 % 400) / 400.0))
                .OrderBy(p => (w1 * p.X1) + (w2 * p.X2)).Select(p => net.Predict(theta, p.X1, p.X2)).ToList();
            var steps = points.Zip(points.Skip(1), (a, b) => Math.Sign(Math.Round(b - a, 12))).Where(s => s != 0).Distinct().Count();
            Assert.True(steps <= 1, $"depth {depth}: not monotone");
        }
    }

    [Fact]
    public void A_small_grid_learns_width_4_beats_width_1_and_the_run_is_deterministic()
    {
        var settings = WidthVsDepthSettings.From(WidthVsDepthSettings.Parameters(("max_depth", 2L), ("restarts", 2L), ("steps", 600L), ("grid", 8L), ("lr", 1e-2)));
        var reports = new List<long>();
        var results = MinWidthTrainer.Run(settings, 1, r => reports.Add(r.Step), CancellationToken.None);
        Assert.Equal([2L], reports);
        var (w1, w4) = (results.Single(r => r.Width == 1).TestMse, results.Single(r => r.Width == 4).TestMse);
        Assert.True(w4 < 0.5 * 0.25, $"width 4 test MSE {w4}");
        Assert.True(w1 > 0.5 * 0.25, $"width 1 test MSE {w1}");
        Assert.Equal(results, MinWidthTrainer.Run(settings, 1, _ => { }, CancellationToken.None));
        var (summary, _) = MinWidthSummary.Build(settings, results);
        Assert.Equal(w4, summary["test_mse/w4/d2"]);
        Assert.Equal(0.25, summary["variance"], 12);
    }

    [Theory]
    [InlineData("max_width", "0")]
    [InlineData("max_depth", "1")]
    [InlineData("restarts", "17")]
    [InlineData("lr", "2")]
    [InlineData("grid", "three")]
    public void Bad_parameters_are_refused_per_field(string field, string value)
    {
        var result = ParameterValidation.Validate(new WidthVsDepthExperiment().Parameters, new Dictionary<string, string?> { [field] = value });
        Assert.Equal([field], result.Errors.Keys);
    }
}
