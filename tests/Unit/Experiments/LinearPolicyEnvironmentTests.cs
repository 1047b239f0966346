using LayerLab.Training.Experiments.LinearPolicy;
using LayerLab.Training.Experiments.LinearPolicy.Environments;

namespace LayerLab.Tests.Unit.Experiments;

/// <summary>The classic-control tasks against transitions computed by hand from Gym's equations (the expected
/// numbers come from a separate Python transcription of classic_control's step functions), their limits and
/// termination, and determinism by seed.</summary>
public sealed class LinearPolicyEnvironmentTests
{
    [Fact]
    public void CartPole_one_push_right_matches_the_hand_computed_euler_step()
    {
        var env = new CartPole { State = (0.01, -0.02, 0.1, 0.3) };
        var o = new double[4];
        var step = env.Step([1], o);
        Assert.Equal(0.009600000000000001, o[0], 15);
        Assert.Equal(0.17356495120036725, o[1], 14);
        Assert.Equal(0.10600000000000001, o[2], 15);
        Assert.Equal(0.04045412544986271, o[3], 14);
        Assert.Equal(new StepResult(1, false), step);
    }

    [Fact]
    public void CartPole_ends_past_12_degrees_or_2_4_metres_and_the_last_step_still_pays()
    {
        var env = new CartPole { State = (0, 0, 0.2094, 0.2) }; // 12° = 0.20944 rad; θ moves past it this step
        Assert.Equal(new StepResult(1, true), env.Step([1], new double[4]));
        env.State = (2.399, 0.1, 0, 0);
        Assert.True(env.Step([1], new double[4]).Terminated);
        env.State = (2.3, 0, 0, 0);
        Assert.False(env.Step([1], new double[4]).Terminated);
    }

    [Fact]
    public void Pendulum_step_matches_the_hand_computed_values_and_clips_speed_and_torque()
    {
        var env = new Pendulum { State = (2.0, -1.5) };
        var o = new double[3];
        var step = env.Step([0.7], o);
        Assert.Equal(-4.22549, step.Reward, 12);
        Assert.Equal((1.964348653505963, -0.7130269298807387), (env.State.Theta, env.State.ThetaDot), new TupleTolerance(1e-14));
        Assert.Equal(Math.Cos(1.964348653505963), o[0], 14);
        env.State = (0, 7.9);
        env.Step([50], o); // torque clipped to 2, speed to 8
        Assert.Equal(8, env.State.ThetaDot);
        Assert.Equal(-Math.PI, Pendulum.AngleNormalize(Math.PI), 12);
        Assert.Equal(0.5, Pendulum.AngleNormalize(0.5 + (4 * Math.PI)), 12);
        Assert.False(step.Terminated);
    }

    [Fact]
    public void Acrobot_rk4_step_matches_the_hand_computed_values_and_angles_wrap()
    {
        var env = new Acrobot();
        double[] start = [0.05, -0.03, 0.1, -0.2];
        start.CopyTo(env.State, 0);
        var o = new double[6];
        var step = env.Step([2], o); // action 2 = torque +1
        double[] expected = [0.04903870635826079, -0.02600004511990665, -0.10899607843931322, 0.2386115189039908];
        for (var i = 0; i < 4; i++) Assert.Equal(expected[i], env.State[i], 13);
        Assert.Equal(new StepResult(-1, false), step);
        Assert.Equal(-Math.PI + 0.1, Acrobot.Wrap(Math.PI + 0.1, -Math.PI, Math.PI), 12);
        // Straight up: the tip is two links above the pivot, so the episode ends with reward 0.
        double[] up = [Math.PI, 0, 0, 0];
        up.CopyTo(env.State, 0);
        Assert.Equal(new StepResult(0, true), env.Step([1], o));
    }

    [Fact]
    public void MountainCarContinuous_step_goal_bonus_and_left_wall()
    {
        var env = new MountainCarContinuous { State = (-0.5, 0.01) };
        var step = env.Step([0.8], new double[2]);
        Assert.Equal((-0.48897684300416927, 0.011023156995830743), env.State, new TupleTolerance(1e-15));
        Assert.Equal(new StepResult(-0.06400000000000002, false), step);
        env.State = (0.449, 0.02);
        var goal = env.Step([1], new double[2]);
        Assert.True(goal.Terminated);
        Assert.Equal(100 - 0.1, goal.Reward, 12);
        env.State = (-1.19, -0.05);
        env.Step([-1], new double[2]);
        Assert.Equal((-1.2, 0.0), env.State);
    }

    [Theory]
    [InlineData("cartpole", 500, 475.0)]
    [InlineData("acrobot", 500, -100.0)]
    [InlineData("pendulum", 200, double.NaN)]
    [InlineData("mountaincar", 999, 90.0)]
    public void Step_limits_and_thresholds_are_gyms(string key, int maxSteps, double threshold)
    {
        var env = ControlEnvironments.Create(key);
        Assert.Equal(maxSteps, env.MaxSteps);
        Assert.Equal(double.IsNaN(threshold) ? null : threshold, env.RewardThreshold);
        // A do-nothing policy (zero weights) runs out the clock on pendulum, and is truncated at the limit.
        if (key == "pendulum")
        {
            var policy = new DensePolicy(env.ObservationSize, [], env.ActionSize);
            Assert.Equal(maxSteps, Rollouts.Run(env, policy, new double[policy.ParameterCount], new ObservationNormalizer(env.ObservationSize), 7).Steps);
        }
    }

    [Fact]
    public void Resets_are_deterministic_by_seed_and_differ_between_seeds()
    {
        foreach (var key in ControlEnvironments.Keys)
        {
            var (a, b, c) = (new double[8], new double[8], new double[8]);
            ControlEnvironments.Create(key).Reset(new Random(5), a);
            ControlEnvironments.Create(key).Reset(new Random(5), b);
            ControlEnvironments.Create(key).Reset(new Random(6), c);
            Assert.Equal(a, b);
            Assert.NotEqual(a, c);
        }
    }

    private sealed class TupleTolerance(double tolerance) : IEqualityComparer<(double, double)>
    {
        public bool Equals((double, double) x, (double, double) y) => Math.Abs(x.Item1 - y.Item1) <= tolerance && Math.Abs(x.Item2 - y.Item2) <= tolerance;
        public int GetHashCode((double, double) obj) => 0;
    }
}
