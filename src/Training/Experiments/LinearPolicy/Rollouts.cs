using LayerLab.Training.Experiments.LinearPolicy.Environments;

namespace LayerLab.Training.Experiments.LinearPolicy;

/// <summary>Episodes of a deterministic policy: the argmax action (discrete) or the output clipped to the action
/// bound (continuous). Episodes are seeded by number, so every candidate and every evaluation sees the same starts.</summary>
public static class Rollouts
{
    /// <summary>Seeds of the fixed test episodes (never used in training) and of the validation episodes that decide
    /// "steps to threshold".</summary>
    public const int TestSeedBase = 1_000_000, ValidationSeedBase = 2_000_000;

    /// <summary>One episode; <paramref name="seen"/> collects the raw observations (for the normaliser) and
    /// <paramref name="trace"/> records every step (for the run page's replay).</summary>
    public static (double Return, int Steps) Run(IControlEnvironment env, DensePolicy policy, ReadOnlySpan<double> theta,
        ObservationNormalizer normalizer, int episodeSeed, ObservationNormalizer.Accumulator? seen = null, EpisodeTrace? trace = null)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(normalizer);
        Span<double> observation = stackalloc double[env.ObservationSize];
        Span<double> input = stackalloc double[env.ObservationSize];
        Span<double> action = stackalloc double[Math.Max(1, env.ActionSize)];
        env.Reset(new Random(episodeSeed), observation);
        trace?.Start(observation);
        var total = 0.0;
        for (var t = 0; t < env.MaxSteps; t++)
        {
            seen?.Add(observation);
            normalizer.Normalize(observation, input);
            Act(env, policy.Forward(theta, input), action);
            var step = env.Step(action, observation);
            total += step.Reward;
            trace?.Add(observation, action[0], step.Reward);
            if (step.Terminated) return (total, t + 1);
        }
        return (total, env.MaxSteps);
    }

    /// <summary>Mean return over episodes <paramref name="firstSeed"/> … + count − 1.</summary>
    public static double MeanReturn(string envKey, DensePolicy policy, ReadOnlySpan<double> theta, ObservationNormalizer normalizer,
        int firstSeed, int count)
    {
        var env = ControlEnvironments.Create(envKey);
        var sum = 0.0;
        for (var i = 0; i < count; i++) sum += Run(env, policy, theta, normalizer, firstSeed + i).Return;
        return sum / count;
    }

    /// <summary>The deterministic action for a policy output.</summary>
    public static void Act(IControlEnvironment env, ReadOnlySpan<double> output, Span<double> action)
    {
        ArgumentNullException.ThrowIfNull(env);
        if (env.Discrete)
        {
            var best = 0;
            for (var i = 1; i < env.ActionSize; i++) if (output[i] > output[best]) best = i;
            action[0] = best;
        }
        else
        {
            for (var i = 0; i < env.ActionSize; i++) action[i] = Math.Clamp(output[i], -env.ActionBound, env.ActionBound);
        }
    }
}
