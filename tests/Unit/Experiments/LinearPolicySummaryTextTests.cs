using LayerLab.Tests.Unit.Studies;
using LayerLab.Training.Experiments.LinearPolicy;

namespace LayerLab.Tests.Unit.Experiments;

/// <summary>linear-policy's run summary, verdict sentence and references on hand-made outcomes (no training): the
/// threshold exactly met, who ran (policy and optimiser), a task Gym sets no threshold for, and the curve's budget
/// fractions at their edges. Verdicts and references pinned whole in Golden/run-verdicts.json.</summary>
public sealed class LinearPolicySummaryTextTests
{
    private static LinearPolicySettings Settings(string env, string policy, string optimizer) =>
        LinearPolicySettings.From(LinearPolicySettings.Parameters(("env", env), ("policy", policy), ("optimizer", optimizer), ("budget_steps", 1_000L)));

    public static TheoryData<string, string, string, double, bool> Cases() => new()
    {
        { "cartpole", "linear", "es", 475, true },        // exactly Gym's threshold: solved
        { "cartpole", "mlp", "reinforce", 474.9, false },
        { "acrobot", "linear", "reinforce", -100, true },
        { "mountaincar", "mlp", "es", 89.9, false },
        { "pendulum", "linear", "es", -150, false },      // no threshold
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Verdict_says_who_ran_where_and_whether_gyms_threshold_was_met(string env, string policy, string optimizer, double testReturn, bool reached)
    {
        var outcome = new PolicyOutcome(testReturn, reached ? 600 : null, 1_020, 4, 10, [(0, 9), (300, 50), (600, testReturn)]);
        var (summary, verdict) = LinearPolicySummary.Build(Settings(env, policy, optimizer), outcome);
        GoldenText.Text("run-verdicts.json", $"linear-policy/{env}-{policy}-{optimizer}-{testReturn}", verdict);
        Assert.Equal((testReturn, 1_020.0, 4.0, 10.0), (summary["return/test"], summary["env_steps"], summary["iterations"], summary["param_count"]));
        if (env != "pendulum") Assert.Equal(reached ? 1 : 0, summary["solved"]);
        else Assert.False(summary.ContainsKey("solved"));
        var references = LinearPolicySummary.References(Settings(env, policy, optimizer));
        GoldenText.Text("run-verdicts.json", $"linear-policy/references/{env}",
            string.Join("\n", references.Select(r => FormattableString.Invariant($"{r.MetricKey} | {r.Label} | {r.Value:R}"))));
    }

    [Fact]
    public void Curve_takes_the_last_check_at_or_before_each_fraction_and_the_final_point_at_the_full_budget()
    {
        // Checks exactly at 300 and 500 steps (fractions 0.3 and 0.5); the last generation overshoots to 1,020 steps.
        var outcome = new PolicyOutcome(480, null, 1_020, 4, 10, [(100, 1), (300, 3), (500, 5), (1_020, 10)]);
        var (s, _) = LinearPolicySummary.Build(Settings("cartpole", "linear", "es"), outcome);
        Assert.Equal([1.0, 1, 3, 3, 5, 5, 5, 5, 5, 10], LinearPolicySummary.CurveFractions.Select(f => s[LinearPolicySummary.CurveKey(f)]));
        // A run that stopped early keeps its last value from there on (its last check before the fraction).
        var early = new PolicyOutcome(480, 300, 300, 4, 10, [(100, 1), (300, 480)]);
        var (e, _) = LinearPolicySummary.Build(Settings("cartpole", "linear", "es"), early);
        Assert.Equal([1.0, 1, 480, 480, 480, 480, 480, 480, 480, 480], LinearPolicySummary.CurveFractions.Select(f => e[LinearPolicySummary.CurveKey(f)]));
        Assert.Throws<ArgumentNullException>(() => LinearPolicySummary.Build(null!, early));
        Assert.Throws<ArgumentNullException>(() => LinearPolicySummary.Build(Settings("cartpole", "linear", "es"), null!));
        Assert.Throws<ArgumentNullException>(() => LinearPolicySummary.References(null!));
    }
}
