using System.Diagnostics;
using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.Shared;
using LayerLab.Training.Studies;
using Microsoft.Extensions.Logging;

namespace LayerLab.Training.Experiments.LinearPolicy;

/// <summary>
/// linear-policy (arXiv 2402.06912): on Gym's classic-control tasks, evolution strategies find linear policies
/// a = W·o + b that reach the tasks' reward thresholds, while gradient RL on the same linear policies often does not.
/// Environments, policies and both optimisers are plain C# (see <see cref="PolicyTrainer"/>): the CPU runs them
/// whatever device is present, because an episode is hundreds of scalar updates, not tensor work.
/// </summary>
public sealed class LinearPolicyExperiment : IExperiment, IHasStudies
{
    public string Key => "linear-policy";
    public string Title => "Linear policies solve control (ES vs policy gradient)";
    public string Paper => "arXiv 2402.06912";
    public string PaperUrl => "https://arxiv.org/abs/2402.06912";

    public string Claim =>
        "Evolution strategies find linear policies (a = W·o + b, a few dozen weights) that reach Gym's reward thresholds " +
        "on classic control (CartPole 475, Acrobot −100, MountainCarContinuous 90), while gradient RL with the same " +
        "linear policies often does not. Reproduced per run if the final policy's mean return over 100 fixed test " +
        "episodes reaches the threshold; the study judges the comparison.";

    public IReadOnlyList<ParameterSpec> Parameters => LinearPolicySettings.Specs;

    public IReadOnlyList<MetricDefinition> Metrics { get; } =
    [
        new("return/test", "Mean test return (100 fixed episodes)", MetricDirection.Maximize, "The final policy, deterministic actions, episodes never used in training."),
        new("score/test", "Test score (1 = Gym's threshold)", MetricDirection.Maximize, "(return − floor) / (threshold − floor); see docs/experiments.md."),
        new("steps_to_threshold", "Environment steps to threshold", MetricDirection.Minimize, "Training steps used when 10 validation episodes first averaged the threshold."),
        new("return/validation", "Validation return (10 episodes)", MetricDirection.Maximize),
        new("return/train", "Training return (mean over the generation / batch)", MetricDirection.Maximize),
        new("solved", "Solved (test return ≥ threshold)", MetricDirection.Maximize),
        new("env_steps", "Environment steps used", MetricDirection.Minimize),
    ];

    public string PrimaryMetric => "return/test";

    public IReadOnlyList<StudyDefinition> Studies => LinearPolicyStudies.All;

    public async Task<RunResult> TrainAsync(RunContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = LinearPolicySettings.From(context.Parameters);
        var watch = Stopwatch.StartNew();
        var outcome = await TrainingThread.RunAsync(context, (report, token) => PolicyTrainer.Run(settings, context.Seed, report, token), cancellationToken);
        var (summary, verdict) = LinearPolicySummary.Build(settings, outcome);
        // The run page replays these (EpisodeReplay.razor): a few kB each, far under the run's tensor cap.
        foreach (var replay in outcome.Replays)
            await context.ReportTensorAsync(EpisodeReplays.Key(settings), replay.TrainingSteps, [replay.Rows, replay.Columns], replay.Data, cancellationToken);
        context.Logger.LogInformation("linear-policy run {RunId}: {Env} {Policy}+{Optimizer}, {Steps} env steps in {Elapsed} ms. {Verdict}",
            context.RunId, settings.Environment, settings.PolicyKey, settings.OptimizerKey, outcome.StepsUsed, watch.ElapsedMilliseconds, verdict);
        return new RunResult(summary, LinearPolicySummary.References(settings), verdict);
    }
}
