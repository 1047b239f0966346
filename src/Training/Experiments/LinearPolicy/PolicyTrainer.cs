using LayerLab.Training.Experiments.LinearPolicy.Environments;
using LayerLab.Training.Experiments.Shared;

namespace LayerLab.Training.Experiments.LinearPolicy;

/// <summary>What one run found: the final policy's test return, when validation first reached the threshold, and the
/// validation return over the run (environment steps, return) for the curve.</summary>
public sealed record PolicyOutcome(
    double TestReturn, long? StepsToThreshold, long StepsUsed, int Iterations, int ParameterCount,
    IReadOnlyList<(long Steps, double Return)> Curve)
{
    /// <summary>The first test episode before training and after it, for the run page's replay.</summary>
    public IReadOnlyList<EpisodeReplay> Replays { get; init; } = [];
}

/// <summary>
/// Trains one policy on one task with ES or REINFORCE until the step budget is spent or the validation return (10
/// fixed episodes) reaches Gym's threshold, then tests it on 100 other fixed episodes. Plain C# on the CPU: ES
/// candidates are evaluated in parallel, each with its own copy of the network, on the same episode starts
/// (common random numbers), and the run is deterministic for its seed.
/// </summary>
public static class PolicyTrainer
{
    public static PolicyOutcome Run(LinearPolicySettings settings, long seed, Action<LiveReport> report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(report);
        var env = ControlEnvironments.Create(settings.Environment);
        var policy = new DensePolicy(env.ObservationSize, settings.HiddenLayers, env.ActionSize);
        var random = new Random(unchecked((int)seed));
        var normalizer = new ObservationNormalizer(env.ObservationSize);
        var theta = policy.Initial(random);
        var es = settings.Optimizer == PolicyOptimizer.EvolutionStrategy ? new CsaEvolutionStrategy(theta, settings.Sigma0, settings.Population) : null;
        var pg = es is null ? new Reinforce(policy, theta, env.ActionSize, env.Discrete, env.ActionBound, settings.PgLearningRate) : null;
        double[] Current() => es?.Mean ?? pg!.Theta;
        var before = EpisodeReplays.Record(settings.Environment, policy, Current(), normalizer, 0);

        var curve = new List<(long, double)> { (0, Validate(settings, policy, Current(), normalizer)) };
        long steps = 0;
        long? reached = null;
        var iteration = 0;
        while (steps < settings.BudgetSteps && reached is null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (trainReturn, used) = es is not null
                ? Generation(settings, env, es, normalizer, seed, iteration, random, cancellationToken)
                : GradientStep(settings, env, pg!, normalizer, random);
            steps += used;
            iteration++;
            if (iteration % settings.EvalEvery != 0 && steps < settings.BudgetSteps) continue;
            var validation = Validate(settings, policy, Current(), normalizer);
            curve.Add((steps, validation));
            if (env.RewardThreshold is { } threshold && validation >= threshold) reached = steps;
            var metrics = new Dictionary<string, double> { ["return/train"] = trainReturn, ["return/validation"] = validation };
            if (es is not null) metrics["es/sigma"] = es.Sigma;
            report(new LiveReport(steps, Math.Min(1, (double)steps / settings.BudgetSteps), metrics));
        }
        var test = Rollouts.MeanReturn(settings.Environment, policy, Current(), normalizer, Rollouts.TestSeedBase, settings.TestEpisodes);
        var after = EpisodeReplays.Record(settings.Environment, policy, Current(), normalizer, steps);
        return new PolicyOutcome(test, reached, steps, iteration, policy.ParameterCount, curve) { Replays = [before, after] };
    }

    private static (double MeanReturn, long Steps) GradientStep(LinearPolicySettings settings, IControlEnvironment env, Reinforce pg,
        ObservationNormalizer normalizer, Random random)
    {
        var seen = new ObservationNormalizer.Accumulator(env.ObservationSize);
        var result = pg.Update(env, normalizer, settings.PgEpisodes, random, seen);
        normalizer.Merge(seen);
        return result;
    }

    private static double Validate(LinearPolicySettings settings, DensePolicy policy, double[] theta, ObservationNormalizer normalizer) =>
        Rollouts.MeanReturn(settings.Environment, policy, theta, normalizer, Rollouts.ValidationSeedBase, LinearPolicySettings.ValidationEpisodes);

    /// <summary>One ES generation: every candidate on the same episode starts, in parallel; observations merged into
    /// the normaliser afterwards in candidate order (deterministic whatever the thread timing).</summary>
    private static (double MeanFitness, long Steps) Generation(LinearPolicySettings settings, IControlEnvironment template, CsaEvolutionStrategy es,
        ObservationNormalizer normalizer, long seed, int generation, Random random, CancellationToken cancellationToken)
    {
        var z = es.Ask(random);
        var fitness = new double[z.Length];
        var used = new long[z.Length];
        var seen = new ObservationNormalizer.Accumulator[z.Length];
        var episodeSeed = (int)(((seed * 7_919) + (generation * 104_729L)) & 0x3fffffff);
        Parallel.For(0, z.Length, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount }, k =>
        {
            var env = ControlEnvironments.Create(template.Key);
            var policy = new DensePolicy(template.ObservationSize, settings.HiddenLayers, template.ActionSize);
            seen[k] = new ObservationNormalizer.Accumulator(template.ObservationSize);
            var (total, steps) = Rollouts.Run(env, policy, es.Candidate(z[k]), normalizer, episodeSeed, seen[k]);
            (fitness[k], used[k]) = (total, steps);
        });
        foreach (var s in seen) normalizer.Merge(s);
        es.Tell(z, fitness);
        return (fitness.Average(), used.Sum());
    }
}
