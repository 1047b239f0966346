using LayerLab.Training.Experiments.LinearPolicy;
using LayerLab.Training.Experiments.LinearPolicy.Environments;

namespace LayerLab.Tests.Unit.Experiments;

/// <summary>The episode a linear-policy run records for the run page's replay is exactly the episode the policy plays:
/// every row equals a fresh rollout of the same policy from the same seed, stepped here by hand.</summary>
public sealed class LinearPolicyReplayTests
{
    [Theory]
    [InlineData("cartpole", 1)]
    [InlineData("acrobot", 2)]
    [InlineData("pendulum", 3)]
    [InlineData("mountaincar", 4)]
    public void Recorded_rows_are_the_observations_actions_and_rewards_of_a_fresh_rollout(string envKey, int seed)
    {
        var env = ControlEnvironments.Create(envKey);
        var policy = new DensePolicy(env.ObservationSize, [], env.ActionSize);
        var random = new Random(seed);
        var theta = Enumerable.Range(0, policy.ParameterCount).Select(_ => (random.NextDouble() - 0.5) * 4).ToArray();
        var normalizer = new ObservationNormalizer(env.ObservationSize);
        var seen = new ObservationNormalizer.Accumulator(env.ObservationSize);
        for (var i = 0; i < 50; i++) seen.Add([.. Enumerable.Range(0, env.ObservationSize).Select(_ => random.NextDouble() - 0.5)]);
        normalizer.Merge(seen);

        var replay = EpisodeReplays.Record(envKey, policy, theta, normalizer, trainingSteps: 123);

        // The same episode, stepped here: reset from the episode's seed, act deterministically, step until it ends.
        var fresh = ControlEnvironments.Create(envKey);
        var observation = new double[fresh.ObservationSize];
        var input = new double[fresh.ObservationSize];
        var action = new double[Math.Max(1, fresh.ActionSize)];
        fresh.Reset(new Random(EpisodeReplays.EpisodeSeed), observation);
        var expected = new List<float[]> { Row(observation, 0, 0) };
        for (var t = 0; t < fresh.MaxSteps; t++)
        {
            normalizer.Normalize(observation, input);
            Rollouts.Act(fresh, policy.Forward(theta, input), action);
            var step = fresh.Step(action, observation);
            expected.Add(Row(observation, action[0], step.Reward));
            if (step.Terminated) break;
        }

        Assert.Equal(123, replay.TrainingSteps);
        Assert.Equal(env.ObservationSize + 2, replay.Columns);
        Assert.Equal(expected.Count, replay.Rows);
        Assert.Equal(replay.Rows * replay.Columns, replay.Data.Length);
        Assert.InRange(replay.Rows, 2, env.MaxSteps + 1);
        for (var r = 0; r < expected.Count; r++)
            Assert.Equal(expected[r], replay.Data.AsSpan(r * replay.Columns, replay.Columns).ToArray());
    }

    [Fact]
    public void A_run_records_its_first_test_episode_before_and_after_training_and_its_return_is_the_test_return()
    {
        // One test episode: the reported test return is the recorded episode's return.
        var settings = LinearPolicySettings.From(LinearPolicySettings.Parameters(("budget_steps", 3_000L), ("test_episodes", 1L)));
        var outcome = PolicyTrainer.Run(settings, 5, _ => { }, CancellationToken.None);

        Assert.Equal([0L, outcome.StepsUsed], outcome.Replays.Select(r => r.TrainingSteps));
        var after = outcome.Replays[1];
        var rewards = Enumerable.Range(1, after.Rows - 1).Sum(r => (double)after.Data[(r * after.Columns) + after.Columns - 1]);
        Assert.Equal(outcome.TestReturn, rewards);
        Assert.Equal("episode.cartpole.es-linear", EpisodeReplays.Key(settings));

        var again = PolicyTrainer.Run(settings, 5, _ => { }, CancellationToken.None);
        Assert.Equal(after.Data, again.Replays[1].Data);
    }

    private static float[] Row(double[] observation, double action, double reward) =>
        [.. observation.Select(v => (float)v), (float)action, (float)reward];
}
