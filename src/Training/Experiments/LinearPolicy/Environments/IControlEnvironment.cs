namespace LayerLab.Training.Experiments.LinearPolicy.Environments;

/// <summary>What one step returned: the reward, whether the episode ended by the task's own rule (terminated) and
/// the new observation (written into the caller's buffer).</summary>
public readonly record struct StepResult(double Reward, bool Terminated);

/// <summary>
/// A classic-control task written from Gym's equations (constants, integrator, termination, step limit as Gym's
/// <c>classic_control</c> defines them). Plain C# on doubles: an episode is a few hundred scalar updates, far below
/// what a tensor dispatch costs, so environments stay on the CPU whatever device trains the policy.
/// </summary>
public interface IControlEnvironment
{
    string Key { get; }
    /// <summary>Gym's id, e.g. "CartPole-v1".</summary>
    string GymId { get; }
    int ObservationSize { get; }
    /// <summary>Discrete: the number of actions (the policy's argmax picks one). Continuous: the action's size.</summary>
    int ActionSize { get; }
    bool Discrete { get; }
    /// <summary>Continuous actions are clipped to [−ActionBound, ActionBound] before the step.</summary>
    double ActionBound { get; }
    /// <summary>Gym's TimeLimit: the episode is truncated after this many steps.</summary>
    int MaxSteps { get; }
    /// <summary>Gym's reward_threshold (the return counted as solving the task), or null where Gym sets none.</summary>
    double? RewardThreshold { get; }

    /// <summary>Starts an episode from Gym's initial-state distribution drawn with <paramref name="random"/>.</summary>
    void Reset(Random random, Span<double> observation);

    /// <summary>One step. Discrete tasks read <c>action[0]</c> as the action's index.</summary>
    StepResult Step(ReadOnlySpan<double> action, Span<double> observation);
}
