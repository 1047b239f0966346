namespace LayerLab.Training.Experiments.LinearPolicy.Environments;

/// <summary>The tasks by key; each call makes a fresh instance (an environment holds one episode's state).</summary>
public static class ControlEnvironments
{
    public static IReadOnlyList<string> Keys { get; } = ["cartpole", "acrobot", "pendulum", "mountaincar"];

    public static IControlEnvironment Create(string key) => key switch
    {
        "cartpole" => new CartPole(),
        "acrobot" => new Acrobot(),
        "pendulum" => new Pendulum(),
        "mountaincar" => new MountainCarContinuous(),
        _ => throw new ArgumentException($"Unknown environment '{key}'.", nameof(key)),
    };
}
