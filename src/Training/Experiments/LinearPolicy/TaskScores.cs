namespace LayerLab.Training.Experiments.LinearPolicy;

/// <summary>
/// Returns of different tasks on one axis: score = (return − floor) / (threshold − floor), so 1 is Gym's threshold on
/// every task and 0 a policy that does nothing useful (CartPole: 0; Acrobot: −500, never swinging up in 500 steps;
/// MountainCarContinuous: 0, never pushing). Pendulum has no threshold and no score.
/// </summary>
public static class TaskScores
{
    public static double? Floor(string env) => env switch
    {
        "cartpole" => 0,
        "acrobot" => -500,
        "mountaincar" => 0,
        _ => null,
    };

    public static double? Threshold(string env) => env switch
    {
        "cartpole" => 475,
        "acrobot" => -100,
        "mountaincar" => 90,
        _ => null,
    };

    public static double? Score(string env, double meanReturn) =>
        Floor(env) is { } floor && Threshold(env) is { } threshold ? (meanReturn - floor) / (threshold - floor) : null;
}
