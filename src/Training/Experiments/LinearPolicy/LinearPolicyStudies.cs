using System.Globalization;
using LayerLab.Training.Studies;

namespace LayerLab.Training.Experiments.LinearPolicy;

/// <summary>The paper's comparison: ES and REINFORCE, each on a linear policy and a 2 × 64 MLP, on the three tasks
/// that have a threshold; the figure is the validation score against environment steps.</summary>
public static class LinearPolicyStudies
{
    public static readonly string[] Environments = ["cartpole", "acrobot", "mountaincar"];
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static StudyDefinition EsVsGradient { get; } = new()
    {
        Key = "es-vs-gradient",
        Title = "ES vs policy gradient, linear vs MLP, on three tasks",
        Claim = "ES finds linear policies that reach Gym's thresholds on CartPole, Acrobot and MountainCarContinuous; " +
                "gradient RL with linear policies often does not (arXiv 2402.06912).",
        Thresholds = "Per task, the mean over ≥ 2 seeds of the final test return (100 fixed episodes) against Gym's " +
                     "threshold (CartPole 475, Acrobot −100, MountainCarContinuous 90). Reproduced if ES + linear reaches " +
                     "the threshold on every task AND REINFORCE + linear misses it on at least one. Not reproduced if " +
                     "ES + linear misses any task, or if REINFORCE + linear reaches every threshold too. MLP runs are " +
                     "drawn for comparison and do not enter the verdict.",
        Parameters = new Dictionary<string, string> { ["budget_steps"] = "300000" },
        Axes =
        [
            new StudyAxis("env", Environments),
            new StudyAxis("policy", ["linear", "mlp"]),
            new StudyAxis("optimizer", ["es", "reinforce"]),
        ],
        Seeds = 3,
        Figure = new StudyFigure("environment steps", "validation score (1 = Gym's threshold)", "task · policy · optimiser"),
        Paper = [],
        TableMetrics = ["return/test", "score/test", "solved", "steps_to_threshold", "env_steps", "param_count"],
        // Measured through the portal: 36 runs in 26 s on the 2-core machine (job overhead included).
        SecondsPerJob = p => p.GetValueOrDefault("policy") == "mlp" ? 1.5 : 0.5,
        Observe = Observe,
        Verdict = Verdict,
    };

    public static IReadOnlyList<StudyDefinition> All { get; } = [EsVsGradient];

    public static string Series(string env, string policy, string optimizer) => $"{env} · {policy} · {optimizer}";

    /// <summary>Not drawn: the final test return the verdict reads.</summary>
    public static string TestSeries(string env, string policy, string optimizer) => $"test return · {Series(env, policy, optimizer)}";

    private static IEnumerable<StudyObservation> Observe(StudyRun run)
    {
        var (env, policy, optimizer) = (run.Parameter("env"), run.Parameter("policy"), run.Parameter("optimizer"));
        var s = run.Summary!;
        if (s.TryGetValue("return/test", out var test)) yield return new StudyObservation(TestSeries(env, policy, optimizer), 0, test, Plot: false);
        if (!long.TryParse(run.Parameter("budget_steps"), NumberStyles.Integer, C, out var budget)) yield break;
        foreach (var fraction in LinearPolicySummary.CurveFractions)
            if (s.TryGetValue(LinearPolicySummary.CurveKey(fraction), out var r) && TaskScores.Score(env, r) is { } score)
                yield return new StudyObservation(Series(env, policy, optimizer), fraction * budget, score);
    }

    public static StudyVerdict Verdict(StudyResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var envs = Environments.Where(e => results.PointsOf(TestSeries(e, "linear", "es")).Count > 0 || results.PointsOf(TestSeries(e, "linear", "reinforce")).Count > 0).ToList();
        if (results.Guard([.. envs.SelectMany(e => new[] { (TestSeries(e, "linear", "es"), 0.0), (TestSeries(e, "linear", "reinforce"), 0.0) })]) is { } early) return early;
        if (envs.Count == 0) return StudyVerdict.Inconclusive("No task has results for linear policies.");
        var esMissed = new List<string>();
        var pgMissed = new List<string>();
        var parts = new List<string>();
        foreach (var env in envs)
        {
            var threshold = TaskScores.Threshold(env)!.Value;
            var (es, pg) = (results.Point(TestSeries(env, "linear", "es"), 0)!, results.Point(TestSeries(env, "linear", "reinforce"), 0)!);
            if (es.Mean < threshold) esMissed.Add(env);
            if (pg.Mean < threshold) pgMissed.Add(env);
            parts.Add(string.Create(C, $"{env}: ES + linear {es.Mean:F1} (n={es.N}), REINFORCE + linear {pg.Mean:F1} (n={pg.N}), threshold {threshold:G}"));
        }
        var numbers = string.Join("; ", parts) + ".";
        if (esMissed.Count > 0)
            return StudyVerdict.NotReproduced($"Not reproduced: ES + linear misses the threshold on {string.Join(", ", esMissed)}. {numbers}");
        if (pgMissed.Count == 0)
            return StudyVerdict.NotReproduced($"Not reproduced (second half): REINFORCE + linear reaches every threshold too, so linear policies do not need ES here. {numbers}");
        return StudyVerdict.Reproduced($"Reproduced: ES + linear reaches every threshold; REINFORCE + linear misses {string.Join(", ", pgMissed)}. {numbers}");
    }
}
