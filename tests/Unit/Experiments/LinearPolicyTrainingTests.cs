using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.LinearPolicy;
using LayerLab.Training.Experiments.LinearPolicy.Environments;

namespace LayerLab.Tests.Unit.Experiments;

/// <summary>LQR reference, the policy network's gradient, ES and REINFORCE on small budgets, determinism, per-field
/// validation, and the run's summary.</summary>
public sealed class LinearPolicyTrainingTests
{
    [Fact]
    public void Lqr_solves_the_riccati_equation_stabilises_the_linearised_cart_pole_and_balances_the_real_one()
    {
        var (p, k) = CartPoleLqr.Solve();
        Assert.True(CartPoleLqr.Residual(p) < 1e-6, $"residual {CartPoleLqr.Residual(p)}");
        // Closed loop x' = (A − BK)x from a 1 m offset returns to rest: the gain stabilises the linear model.
        var (a, b) = CartPoleLqr.Linearised();
        double[] x = [1, 0, 0, 0];
        for (var t = 0; t < 3_000; t++)
        {
            var u = -k.Select((ki, i) => ki * x[i]).Sum();
            x = [.. Enumerable.Range(0, 4).Select(i => Enumerable.Range(0, 4).Sum(j => a[i, j] * x[j]) + (b[i] * u))];
        }
        Assert.True(x.Max(Math.Abs) < 1e-6, string.Join(", ", x));
        // On the true (nonlinear, ±10 N) cart-pole, pushing towards −K·x balances for the whole episode.
        Assert.Equal(500, CartPoleLqr.MeanReturn(k, Rollouts.TestSeedBase, 5));
    }

    [Fact]
    public void Mlp_backward_matches_finite_differences()
    {
        var policy = new DensePolicy(3, [5, 4], 2);
        var random = new Random(3);
        var theta = Enumerable.Range(0, policy.ParameterCount).Select(_ => random.NextDouble() - 0.5).ToArray();
        double[] input = [0.3, -1.2, 0.8];
        double[] weights = [0.7, -1.3]; // objective = Σ weights · output
        var gradient = new double[theta.Length];
        policy.Forward(theta, input);
        policy.Backward(theta, weights, gradient);
        for (var i = 0; i < theta.Length; i++)
        {
            var (plus, minus) = ((double[])theta.Clone(), (double[])theta.Clone());
            plus[i] += 1e-6; minus[i] -= 1e-6;
            var f = (double[] t) => { var o = policy.Forward(t, input); return (weights[0] * o[0]) + (weights[1] * o[1]); };
            Assert.Equal((f(plus) - f(minus)) / 2e-6, gradient[i], 6);
        }
        Assert.Equal((3 * 5) + 5 + (5 * 4) + 4 + (4 * 2) + 2, policy.ParameterCount);
        Assert.Equal(10, new DensePolicy(4, [], 2).ParameterCount); // the linear CartPole policy: W (2×4) and b
    }

    [Fact]
    public void Es_finds_a_linear_cart_pole_policy_at_the_threshold_deterministically()
    {
        var settings = LinearPolicySettings.From(LinearPolicySettings.Parameters(("budget_steps", 100_000L)));
        var first = PolicyTrainer.Run(settings, 2, _ => { }, CancellationToken.None);
        Assert.True(first.TestReturn >= 475, $"test return {first.TestReturn}");
        Assert.NotNull(first.StepsToThreshold);
        Assert.Equal(10, first.ParameterCount);
        var again = PolicyTrainer.Run(settings, 2, _ => { }, CancellationToken.None);
        Assert.Equal((first.TestReturn, first.StepsUsed), (again.TestReturn, again.StepsUsed));
    }

    [Fact]
    public void Reinforce_improves_a_linear_cart_pole_policy_from_zero()
    {
        var settings = LinearPolicySettings.From(LinearPolicySettings.Parameters(("optimizer", "reinforce"), ("budget_steps", 40_000L)));
        var outcome = PolicyTrainer.Run(settings, 1, _ => { }, CancellationToken.None);
        // The zero policy always pushes left and falls in ~9 steps; a few dozen gradient steps do far better.
        Assert.True(outcome.Curve[0].Return < 15, $"start {outcome.Curve[0].Return}");
        Assert.True(outcome.TestReturn > 100, $"test return {outcome.TestReturn}");
    }

    [Theory]
    [InlineData("env", "hopper")]
    [InlineData("policy", "deep")]
    [InlineData("optimizer", "ppo")]
    [InlineData("budget_steps", "10")]
    [InlineData("population", "1")]
    [InlineData("sigma0", "0")]
    [InlineData("test_episodes", "0")]
    public void Bad_parameters_are_refused_per_field(string field, string value)
    {
        var result = ParameterValidation.Validate(new LinearPolicyExperiment().Parameters, new Dictionary<string, string?> { [field] = value });
        Assert.False(result.IsValid);
        Assert.Equal([field], result.Errors.Keys);
    }

    [Fact]
    public void Summary_reports_test_return_score_solved_and_the_curve_at_each_budget_fraction()
    {
        var settings = LinearPolicySettings.From(LinearPolicySettings.Parameters(("budget_steps", 1_000L)));
        var outcome = new PolicyOutcome(480, 600, 1_020, 4, 10, [(0, 9), (300, 50), (600, 480)]);
        var (summary, verdict) = LinearPolicySummary.Build(settings, outcome);
        Assert.Equal(1, summary["solved"]);
        Assert.Equal(480 / 475.0, summary["score/test"], 12);
        Assert.Equal(600, summary["steps_to_threshold"]);
        Assert.Equal(9, summary["curve/return@0.1"]);   // before the first check at 300
        Assert.Equal(50, summary["curve/return@0.5"]);
        Assert.Equal(480, summary["curve/return@0.6"]);
        Assert.Equal(480, summary["curve/return@1.0"]); // stopped early: the last value holds
        Assert.StartsWith("Solved", verdict, StringComparison.Ordinal);
        var (missed, text) = LinearPolicySummary.Build(settings, outcome with { TestReturn = 470, StepsToThreshold = null });
        Assert.Equal(0, missed["solved"]);
        Assert.False(missed.ContainsKey("steps_to_threshold"));
        Assert.StartsWith("Not solved", text, StringComparison.Ordinal);
        Assert.Contains(LinearPolicySummary.References(settings), r => r.Label.StartsWith("LQR", StringComparison.Ordinal) && r.Value == 500);
    }
}
