using System.Globalization;
using LayerLab.Training.Experiments.LinearPolicy.Environments;

namespace LayerLab.Training.Experiments.LinearPolicy;

/// <summary>
/// One episode as the run page replays it: row t holds the observation after t steps (row 0: the reset), then the
/// action that led to it and the reward it earned (both 0 on row 0). Float32 and at most
/// <see cref="IControlEnvironment.MaxSteps"/> + 1 rows of observation size + 2 columns (≤ 501 × 8 values), so it
/// is stored as one small logged tensor of the run (see <see cref="EpisodeReplays"/>).
/// </summary>
public sealed class EpisodeTrace(int observationSize)
{
    private readonly List<float> _values = [];

    public int ObservationSize { get; } = observationSize;
    public int Columns => ObservationSize + 2;
    public int Rows => _values.Count / Columns;
    public IReadOnlyList<float> Values => _values;

    /// <summary>Row 0: the observation the environment's reset produced.</summary>
    public void Start(ReadOnlySpan<double> observation)
    {
        _values.Clear();
        Add(observation, 0, 0);
    }

    /// <summary>The observation a step produced, with the action taken and the reward earned.</summary>
    public void Add(ReadOnlySpan<double> observation, double action, double reward)
    {
        for (var i = 0; i < ObservationSize; i++) _values.Add((float)observation[i]);
        _values.Add((float)action);
        _values.Add((float)reward);
    }

    public float[] ToArray() => [.. _values];
}

/// <summary>A recorded episode of the run's policy, at a point of its training (0: before training).</summary>
public sealed record EpisodeReplay(long TrainingSteps, int Rows, int Columns, float[] Data);

/// <summary>Which episodes a linear-policy run records for the run page and under which tensor key.</summary>
public static class EpisodeReplays
{
    /// <summary>The recorded episode is the first test episode: one the reported test return already counts.</summary>
    public const int EpisodeSeed = Rollouts.TestSeedBase;

    /// <summary>"episode.cartpole.es-linear": environment, optimiser and policy (tensor keys allow no slash).</summary>
    public static string Key(LinearPolicySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return string.Create(CultureInfo.InvariantCulture, $"episode.{settings.Environment}.{settings.OptimizerKey}-{settings.PolicyKey}");
    }

    /// <summary>Plays the deterministic policy for one episode (the same code path as every evaluation) and keeps it.</summary>
    public static EpisodeReplay Record(string envKey, DensePolicy policy, ReadOnlySpan<double> theta, ObservationNormalizer normalizer, long trainingSteps)
    {
        var env = ControlEnvironments.Create(envKey);
        var trace = new EpisodeTrace(env.ObservationSize);
        Rollouts.Run(env, policy, theta, normalizer, EpisodeSeed, trace: trace);
        return new EpisodeReplay(trainingSteps, trace.Rows, trace.Columns, trace.ToArray());
    }
}
