using LayerLab.Training.Experiments.LinearPolicy.Environments;

namespace LayerLab.Training.Experiments.LinearPolicy;

/// <summary>
/// The policy-gradient baseline: REINFORCE (Williams 1992) with a time-dependent baseline (the batch's mean return-to-go
/// at each step), advantages normalised over the batch, γ = 0.99, Adam on the same policy network ES trains.
/// Discrete tasks sample from softmax(output); continuous ones from N(output, σ²) with a learned log σ per action.
/// Evaluation uses the deterministic action, as for ES.
/// </summary>
public sealed class Reinforce
{
    public const double Gamma = 0.99;
    private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;

    private readonly DensePolicy _policy;
    private readonly double[] _logStd;
    private readonly double[] _m, _v;
    private readonly double _learningRate;
    private int _t;

    public Reinforce(DensePolicy policy, double[] theta, int actions, bool discrete, double actionBound, double learningRate)
    {
        _policy = policy ?? throw new ArgumentNullException(nameof(policy));
        Theta = theta ?? throw new ArgumentNullException(nameof(theta));
        Discrete = discrete;
        // Start exploring over half the action range.
        _logStd = discrete ? [] : Enumerable.Repeat(Math.Log(0.5 * actionBound), actions).ToArray();
        _m = new double[theta.Length + _logStd.Length];
        _v = new double[theta.Length + _logStd.Length];
        _learningRate = learningRate;
    }

    public double[] Theta { get; }
    public bool Discrete { get; }

    private sealed record Transition(double[] Input, double[] Action, double Reward);

    /// <summary>One update from <paramref name="episodes"/> sampled episodes; returns their mean return and the steps used.</summary>
    public (double MeanReturn, long Steps) Update(IControlEnvironment env, ObservationNormalizer normalizer, int episodes, Random random,
        ObservationNormalizer.Accumulator seen)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(normalizer);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(seen);
        var batch = new List<List<Transition>>(episodes);
        long steps = 0;
        var returns = 0.0;
        for (var e = 0; e < episodes; e++)
        {
            var trajectory = Sample(env, normalizer, random, seen);
            steps += trajectory.Count;
            returns += trajectory.Sum(t => t.Reward);
            batch.Add(trajectory);
        }

        // Returns-to-go, the time-dependent baseline, and advantages normalised over the whole batch.
        var toGo = batch.Select(trajectory =>
        {
            var g = new double[trajectory.Count];
            var running = 0.0;
            for (var t = trajectory.Count - 1; t >= 0; t--) g[t] = running = trajectory[t].Reward + (Gamma * running);
            return g;
        }).ToList();
        var longest = toGo.Max(g => g.Length);
        var baseline = new double[longest];
        var counts = new int[longest];
        foreach (var g in toGo)
            for (var t = 0; t < g.Length; t++) { baseline[t] += g[t]; counts[t]++; }
        for (var t = 0; t < longest; t++) baseline[t] /= counts[t];
        var advantages = toGo.Select(g => g.Select((v, t) => v - baseline[t]).ToArray()).ToList();
        var all = advantages.SelectMany(a => a).ToList();
        var (mean, std) = (all.Average(), Math.Sqrt(all.Select(a => a * a).Average() - (all.Average() * all.Average())));
        var scale = 1.0 / (std < 1e-8 ? 1 : std) / all.Count;

        var gradient = new double[Theta.Length + _logStd.Length];
        var thetaGradient = gradient.AsSpan(0, Theta.Length);
        Span<double> outputGradient = stackalloc double[_policy.Outputs];
        for (var e = 0; e < batch.Count; e++)
        {
            for (var t = 0; t < batch[e].Count; t++)
            {
                var step = batch[e][t];
                var weight = (advantages[e][t] - mean) * scale;
                if (weight == 0) continue;
                var output = _policy.Forward(Theta, step.Input);
                LogProbabilityGradient(output, step.Action, outputGradient, gradient.AsSpan(Theta.Length), weight);
                _policy.Backward(Theta, outputGradient, thetaGradient);
            }
        }
        AdamAscent(gradient);
        return (returns / episodes, steps);
    }

    private List<Transition> Sample(IControlEnvironment env, ObservationNormalizer normalizer, Random random, ObservationNormalizer.Accumulator seen)
    {
        var trajectory = new List<Transition>(env.MaxSteps);
        Span<double> observation = stackalloc double[env.ObservationSize];
        Span<double> envAction = stackalloc double[Math.Max(1, env.ActionSize)];
        env.Reset(random, observation);
        for (var t = 0; t < env.MaxSteps; t++)
        {
            seen.Add(observation);
            var input = new double[env.ObservationSize];
            normalizer.Normalize(observation, input);
            var output = _policy.Forward(Theta, input);
            double[] action;
            if (Discrete)
            {
                var probabilities = Softmax(output);
                var u = random.NextDouble();
                var choice = 0;
                for (var cumulative = probabilities[0]; choice < probabilities.Length - 1 && u > cumulative; cumulative += probabilities[++choice]) { }
                action = [choice];
                envAction[0] = choice;
            }
            else
            {
                action = new double[output.Length];
                for (var i = 0; i < action.Length; i++)
                {
                    action[i] = output[i] + (Math.Exp(_logStd[i]) * CsaEvolutionStrategy.Gaussian(random));
                    envAction[i] = Math.Clamp(action[i], -env.ActionBound, env.ActionBound);
                }
            }
            var result = env.Step(envAction, observation);
            trajectory.Add(new Transition(input, action, result.Reward));
            if (result.Terminated) break;
        }
        return trajectory;
    }

    /// <summary>weight · ∂ log π(a | o) / ∂ output into <paramref name="outputGradient"/> (and into the log σ part).</summary>
    private void LogProbabilityGradient(ReadOnlySpan<double> output, double[] action, Span<double> outputGradient, Span<double> logStdGradient, double weight)
    {
        if (Discrete)
        {
            var probabilities = Softmax(output);
            for (var i = 0; i < output.Length; i++) outputGradient[i] = weight * (((int)action[0] == i ? 1 : 0) - probabilities[i]);
            return;
        }
        for (var i = 0; i < output.Length; i++)
        {
            var variance = Math.Exp(2 * _logStd[i]);
            var diff = action[i] - output[i];
            outputGradient[i] = weight * diff / variance;
            logStdGradient[i] += weight * ((diff * diff / variance) - 1);
        }
    }

    private void AdamAscent(double[] gradient)
    {
        _t++;
        var (c1, c2) = (1 - Math.Pow(Beta1, _t), 1 - Math.Pow(Beta2, _t));
        for (var i = 0; i < gradient.Length; i++)
        {
            _m[i] = (Beta1 * _m[i]) + ((1 - Beta1) * gradient[i]);
            _v[i] = (Beta2 * _v[i]) + ((1 - Beta2) * gradient[i] * gradient[i]);
            var step = _learningRate * (_m[i] / c1) / (Math.Sqrt(_v[i] / c2) + Epsilon);
            if (i < Theta.Length) Theta[i] += step;
            else _logStd[i - Theta.Length] = Math.Clamp(_logStd[i - Theta.Length] + step, -5, 2);
        }
    }

    public static double[] Softmax(ReadOnlySpan<double> logits)
    {
        var max = double.NegativeInfinity;
        foreach (var l in logits) max = Math.Max(max, l);
        var p = new double[logits.Length];
        var sum = 0.0;
        for (var i = 0; i < p.Length; i++) sum += p[i] = Math.Exp(logits[i] - max);
        for (var i = 0; i < p.Length; i++) p[i] /= sum;
        return p;
    }
}
