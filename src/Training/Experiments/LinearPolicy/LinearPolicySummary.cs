using System.Globalization;
using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.LinearPolicy.Environments;

namespace LayerLab.Training.Experiments.LinearPolicy;

/// <summary>A run's summary metrics, its exact references and its verdict sentence.</summary>
public static class LinearPolicySummary
{
    /// <summary>The validation curve is kept at these fractions of the budget (the study draws return vs steps from them).</summary>
    public static IReadOnlyList<double> CurveFractions { get; } = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];

    public static string CurveKey(double fraction) => string.Create(CultureInfo.InvariantCulture, $"curve/return@{fraction:0.0}");

    public static (Dictionary<string, double> Summary, string Verdict) Build(LinearPolicySettings settings, PolicyOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(outcome);
        var env = ControlEnvironments.Create(settings.Environment);
        var summary = new Dictionary<string, double>
        {
            ["return/test"] = outcome.TestReturn,
            ["env_steps"] = outcome.StepsUsed,
            ["iterations"] = outcome.Iterations,
            [RunResult.ParameterCountKey] = outcome.ParameterCount,
        };
        if (TaskScores.Score(settings.Environment, outcome.TestReturn) is { } score) summary["score/test"] = score;
        if (env.RewardThreshold is { } threshold) summary["solved"] = outcome.TestReturn >= threshold ? 1 : 0;
        if (outcome.StepsToThreshold is { } reached) summary["steps_to_threshold"] = reached;
        // Validation return at each fraction of the budget: the last check at or before it; a run that stopped early
        // (threshold reached) keeps its last value.
        foreach (var fraction in CurveFractions)
        {
            var limit = fraction * settings.BudgetSteps;
            // The last generation may overshoot the budget by a few episodes: the final point belongs to fraction 1.
            var point = fraction >= 1 || outcome.Curve[^1].Steps <= limit ? outcome.Curve[^1] : outcome.Curve.Last(p => p.Steps <= limit);
            summary[CurveKey(fraction)] = point.Return;
        }
        return (summary, Verdict(settings, env, outcome));
    }

    private static string Verdict(LinearPolicySettings settings, IControlEnvironment env, PolicyOutcome outcome)
    {
        var c = CultureInfo.InvariantCulture;
        var who = $"{(settings.Policy == PolicyKind.Linear ? "Linear policy" : "MLP policy")} + {(settings.Optimizer == PolicyOptimizer.EvolutionStrategy ? "ES" : "REINFORCE")}";
        if (env.RewardThreshold is not { } threshold)
            return string.Create(c, $"{who} on {env.GymId}: test return {outcome.TestReturn:F1} over {settings.TestEpisodes} episodes (Gym sets no threshold for this task).");
        var reached = outcome.StepsToThreshold is { } s ? string.Create(c, $"validation reached it after {s:N0} environment steps") : string.Create(c, $"validation never reached it in {outcome.StepsUsed:N0} steps");
        return outcome.TestReturn >= threshold
            ? string.Create(c, $"Solved: {who} on {env.GymId}: test return {outcome.TestReturn:F1} over {settings.TestEpisodes} episodes ≥ Gym's threshold {threshold:G}; {reached}.")
            : string.Create(c, $"Not solved: {who} on {env.GymId}: test return {outcome.TestReturn:F1} over {settings.TestEpisodes} episodes < Gym's threshold {threshold:G}; {reached}.");
    }

    /// <summary>Gym's threshold, and on CartPole the LQR reference's return on the same test episodes.</summary>
    public static List<ReferenceValue> References(LinearPolicySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var env = ControlEnvironments.Create(settings.Environment);
        var references = new List<ReferenceValue>();
        if (env.RewardThreshold is { } threshold)
        {
            references.Add(new("return/test", $"Gym threshold ({env.GymId})", threshold));
            references.Add(new("return/validation", $"Gym threshold ({env.GymId})", threshold));
            references.Add(new("score/test", "Gym threshold", 1));
        }
        if (env is CartPole)
        {
            var lqr = CartPoleLqr.MeanReturn(CartPoleLqr.Gain, Rollouts.TestSeedBase, settings.TestEpisodes);
            references.Add(new("return/test", "LQR on the linearised cart-pole (push towards −K·x)", lqr));
            references.Add(new("return/validation", "LQR on the linearised cart-pole", CartPoleLqr.MeanReturn(CartPoleLqr.Gain, Rollouts.ValidationSeedBase, LinearPolicySettings.ValidationEpisodes)));
        }
        return references;
    }
}
