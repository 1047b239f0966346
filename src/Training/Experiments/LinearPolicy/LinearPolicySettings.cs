using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.LinearPolicy.Environments;

namespace LayerLab.Training.Experiments.LinearPolicy;

public enum PolicyKind { Linear, Mlp }

public enum PolicyOptimizer { EvolutionStrategy, Reinforce }

/// <summary>The knobs of one linear-policy run, read from validated <see cref="RunParameters"/>.</summary>
public sealed record LinearPolicySettings(
    string Environment,
    PolicyKind Policy,
    PolicyOptimizer Optimizer,
    long BudgetSteps,
    int Population,
    double Sigma0,
    double PgLearningRate,
    int PgEpisodes,
    int Hidden,
    int TestEpisodes,
    int EvalEvery)
{
    public static LinearPolicySettings Default { get; } =
        new("cartpole", PolicyKind.Linear, PolicyOptimizer.EvolutionStrategy, 500_000, 16, 0.5, 0.01, 16, 64, 100, 5);

    /// <summary>Episodes of the validation check that decides "steps to threshold" (never the test episodes).</summary>
    public const int ValidationEpisodes = 10;

    public static IReadOnlyList<ParameterSpec> Specs { get; } =
    [
        ParameterSpec.Choice("env", Default.Environment, ControlEnvironments.Keys,
            "Task, from Gym's classic_control equations: cartpole (CartPole-v1), acrobot (Acrobot-v1), pendulum (Pendulum-v1, no threshold), mountaincar (MountainCarContinuous-v0)."),
        ParameterSpec.Choice("policy", "linear", ["linear", "mlp"],
            "linear: a = W·o + b on the normalised observation; mlp: two tanh hidden layers of `hidden` units."),
        ParameterSpec.Choice("optimizer", "es", ["es", "reinforce"],
            "es: (μ/μ_w, λ)-ES with cumulative step-size adaptation; reinforce: REINFORCE with a time-dependent baseline and Adam."),
        ParameterSpec.Integer("budget_steps", Default.BudgetSteps, 1_000, 50_000_000,
            "Environment steps the optimiser may use (training episodes only; validation and test episodes are not counted). Training stops early once the validation return reaches Gym's threshold."),
        ParameterSpec.Integer("population", Default.Population, 4, 256, "ES: candidates per generation (λ); the better half is recombined."),
        ParameterSpec.Real("sigma0", Default.Sigma0, 0.001, 10, "ES: initial step size σ₀ (on normalised observations).", logScale: true),
        ParameterSpec.Real("pg_lr", Default.PgLearningRate, 1e-5, 1, "REINFORCE: Adam learning rate.", logScale: true),
        ParameterSpec.Integer("pg_episodes", Default.PgEpisodes, 1, 256, "REINFORCE: episodes per gradient step."),
        ParameterSpec.Integer("hidden", Default.Hidden, 1, 256, "MLP: units in each of the two hidden layers (ignored by the linear policy)."),
        ParameterSpec.Integer("test_episodes", Default.TestEpisodes, 1, 1_000, "Fixed-seed test episodes of the final policy (the reported return)."),
        ParameterSpec.Integer("eval_every", Default.EvalEvery, 1, 1_000, "Generations (ES) or gradient steps (REINFORCE) between validation checks and live points."),
    ];

    public static LinearPolicySettings From(RunParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new LinearPolicySettings(
            parameters.GetString("env").ToLowerInvariant(),
            parameters.GetString("policy").Equals("mlp", StringComparison.OrdinalIgnoreCase) ? PolicyKind.Mlp : PolicyKind.Linear,
            parameters.GetString("optimizer").Equals("reinforce", StringComparison.OrdinalIgnoreCase) ? PolicyOptimizer.Reinforce : PolicyOptimizer.EvolutionStrategy,
            parameters.GetInt("budget_steps"),
            checked((int)parameters.GetInt("population")),
            parameters.GetDouble("sigma0"),
            parameters.GetDouble("pg_lr"),
            checked((int)parameters.GetInt("pg_episodes")),
            checked((int)parameters.GetInt("hidden")),
            checked((int)parameters.GetInt("test_episodes")),
            checked((int)parameters.GetInt("eval_every")));
    }

    public static RunParameters Parameters(params (string Name, object Value)[] overrides) => RunParameters.DefaultsWith(Specs, overrides);

    public IReadOnlyList<int> HiddenLayers => Policy == PolicyKind.Mlp ? [Hidden, Hidden] : [];

    public string PolicyKey => Policy == PolicyKind.Mlp ? "mlp" : "linear";
    public string OptimizerKey => Optimizer == PolicyOptimizer.Reinforce ? "reinforce" : "es";
}
