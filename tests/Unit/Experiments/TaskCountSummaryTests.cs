using System.Globalization;
using LayerLab.Tests.Unit.Studies;
using LayerLab.Training.Experiments.IclTaskCount;

namespace LayerLab.Tests.Unit.Experiments;

/// <summary>
/// icl-task-count's run summary, references and verdict on hand-made Γs (no training). Isotropic Σ, d = 2, so every
/// risk has a closed form the test computes on its own: R(γI; N) = dγ²h_N − 2γ + 1 + σ² with
/// h_N = (N+1)/(Nd) + (1+σ²)/N, minimised by γ*_N = N/(N + 1 + d(1+σ²)) at R*_N = 1 + σ² − γ*_N.
/// With σ² = ½ and N = 4 everything is dyadic: γ* = ½, R* = 1, and Γ = 0 has risk 1.5 = 1.5·R* exactly, which puts
/// a run on the verdict's two thresholds (M=1 ≥ 1.5× Γ*, "within tolerance" ≤ (1 + ½)·R*).
/// Bayes ridge is Monte Carlo: checked against the reference run with another seed. Verdicts pinned whole in
/// Golden/run-verdicts.json.
/// </summary>
public sealed class TaskCountSummaryTests
{
    private const int D = 2;

    private static double GammaStar(int n, double noise) => n / (n + 1.0 + (D * (1 + noise)));

    private static double Risk(double gamma, int n, double noise)
    {
        var h = ((n + 1.0) / (n * (double)D)) + ((1 + noise) / n);
        return (D * gamma * gamma * h) - (2 * gamma) + 1 + noise;
    }

    private static IclTaskCountSettings Settings(int nTrain, int nTest, double noise, double tolerance, int posteriorMax) =>
        IclTaskCountSettings.Default with
        {
            Dimension = D, TrainContext = nTrain, TestContext = nTest, NoiseVariance = noise, Tolerance = tolerance,
            PoolPosteriorMax = posteriorMax,
        };

    /// <summary>Pool tasks (the largest pool's, row-major): the first is (1, −1), the rest (½, ½).</summary>
    private static double[] PoolTasks(long maxPool) =>
        [.. Enumerable.Range(0, (int)maxPool).SelectMany(i => i == 0 ? new[] { 1.0, -1.0 } : [0.5, 0.5])];

    /// <summary>The gamma model with Γ = γI per row.</summary>
    private static TaskCountOutcome Gamma(long[] pools, params double[] gammas) =>
        new(TaskCountModel.Gamma, pools, D,
            [.. gammas.SelectMany(g => new[] { (float)g, 0f, 0f, (float)g })], [], [], PoolTasks(pools.Max()));

    /// <summary>The full model holding the same Γ = γI: u = e_y, V = [Γᵀ; 0].</summary>
    private static TaskCountOutcome Full(long[] pools, params double[] gammas) =>
        new(TaskCountModel.Full, pools, D, [],
            [.. gammas.SelectMany(_ => new[] { 0f, 0f, 1f })],
            [.. gammas.SelectMany(g => new[] { (float)g, 0f, 0f, (float)g, 0f, 0f })], PoolTasks(pools.Max()));

    private static double Bayes(int n, double noise) =>
        TaskCountReference.BayesRidgeRisk([1, 1], n, noise, 40_000, 777);

    private static string Fmt(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

    [Fact]
    public void Equal_lengths_on_both_thresholds_reproduce_with_m1_exactly_one_and_a_half_times_gamma_star()
    {
        var settings = Settings(4, 4, 0.5, 0.5, 1);
        var result = TaskCountSummary.Build(settings, Gamma([1, 2, 0], 0, 0.5, 0.5), 5, CancellationToken.None);
        var s = result.Summary;
        GoldenText.Text("run-verdicts.json", "icl-task-count/equal-lengths-on-the-thresholds", result.Verdict!);
        Assert.StartsWith("Reproduced (the part one run can show): ", result.Verdict, StringComparison.Ordinal);
        Assert.Contains("n_train = n_test", result.Verdict, StringComparison.Ordinal);
        Assert.DoesNotContain("full one-layer", result.Verdict, StringComparison.Ordinal);

        Assert.Equal((1.0, 1.0, 1.0, 0.0), (s["ref/gamma_star"], s["ref/gamma_star_train_len"], s["ref/gamma_star_mismatch"], s["ref/mismatch_cost"]));
        Assert.Equal((1.5, 1.0, 1.0), (s["test_mse/M=1"], s["test_mse/M=2"], s["test_mse/M=inf"]));
        Assert.Equal((1.5, 1.0, 1.0), (s["matched_mse/M=1"], s["matched_mse/M=2"], s["matched_mse/M=inf"]));
        Assert.Equal((1.5, 1.0), (s["ratio_gamma_star/M=1"], s["ratio_gamma_star/M=inf"]));
        // M=1 sits exactly on the tolerance (1.5 ≤ (1 + ½)·1): it is the first pool within it.
        Assert.Equal((1.0, 1.0), (s["tasks_needed_found"], s["tasks_needed"]));
        Assert.Equal((1.0, 0.0), (s["test_mse"], s["mismatch_cost"]));
        Assert.Equal(1 / s["ref/bayes"], s["test_mse_ratio_bayes"], 12);

        // Same length: the train-length Bayes ridge is the test one, not a second estimate.
        var bayes = s["ref/bayes"];
        Assert.Equal(bayes, s["ref/bayes_train_len"]);
        Assert.Equal(Bayes(4, 0.5), bayes, 0.01);
        Assert.Equal(1 / bayes, s["ref/gamma_star_over_bayes"], 12);
        Assert.Equal(1.5 / bayes, s["ratio_bayes/M=1"], 12);
        // Bayes ≈ 0.75 here: Γ* (risk 1) is within 50 % of it, M=1 (1.5) is not.
        Assert.InRange(bayes, 1 / 1.5, 1);
        Assert.Equal(2, s["tasks_needed_bayes"]);

        // Pool posterior only up to pool_posterior_max = 1: the one task (1, −1) itself.
        Assert.Equal(0.5, s["ref/pool_posterior_in_pool/M=1"], 12);
        Assert.Equal(2 + 1 + 0.5, s["ref/pool_posterior/M=1"], 3.5 * 0.05);
        Assert.False(s.ContainsKey("ref/pool_posterior/M=2"));
        Assert.False(s.ContainsKey("ref/pool_posterior_in_pool/M=2"));
        Assert.False(s.ContainsKey("ref/pool_posterior/M=inf"));

        Assert.Equal(
            [
                ("test_mse", "Bayes ridge", bayes), ("test_mse", "optimal Γ*", 1.0), ("test_mse", "Γ* for n_train=4", 1.0),
                ("test_mse/M=1", "Bayes ridge", bayes), ("test_mse/M=1", "optimal Γ*", 1.0), ("test_mse/M=1", "pool posterior mean", s["ref/pool_posterior/M=1"]),
                ("test_mse/M=2", "Bayes ridge", bayes), ("test_mse/M=2", "optimal Γ*", 1.0),
                ("test_mse/M=inf", "Bayes ridge", bayes), ("test_mse/M=inf", "optimal Γ*", 1.0),
            ],
            result.References.Select(r => (r.MetricKey, r.Label, r.Value)));
    }

    [Fact]
    public void A_mismatch_cost_exactly_at_the_tolerance_is_not_a_cost()
    {
        // Train N = 8, test N = 4. Fresh tasks (M=inf) kept Γ = 0: risk 1.5 at N = 4 against R*₄ = 1, cost +50 % =
        // the tolerance, which is not more than it. M=2 holds Γ*₈ = (8/12)I: matched risk R*₈ = 1.5 − 2/3.
        var settings = Settings(8, 4, 0.5, 0.5, 0);
        var star8 = GammaStar(8, 0.5);
        var result = TaskCountSummary.Build(settings, Gamma([1, 2, 0], 0, star8, 0), 5, CancellationToken.None);
        var s = result.Summary;
        GoldenText.Text("run-verdicts.json", "icl-task-count/mismatch-at-the-tolerance", result.Verdict!);
        Assert.StartsWith("Not reproduced: tasks needed (smallest M with test MSE at n_train=8 within 50 % of Γ*'s risk 0.8333) = 2;", result.Verdict, StringComparison.Ordinal);
        Assert.Contains(
            $"Context mismatch (train N=8, test N=4): fresh-task model 1.5000 vs 1.0000 for Γ* matched to N=4 (+50.0 %; exact for Γ*_8: +{Fmt((Risk(star8, 4, 0.5) / 1.0) - 1, "P1")});",
            result.Verdict, StringComparison.Ordinal);

        var (rStar8, mismatch) = (1.5 - star8, Risk(star8, 4, 0.5));
        Assert.Equal(1.0, s["ref/gamma_star"], 12);
        Assert.Equal(rStar8, s["ref/gamma_star_train_len"], 12);
        Assert.Equal(mismatch, s["ref/gamma_star_mismatch"], 12);
        Assert.Equal(mismatch - 1, s["ref/mismatch_cost"], 12);
        Assert.Equal((1.5, 1.5), (s["test_mse/M=inf"], s["matched_mse/M=inf"]));
        Assert.Equal(mismatch, s["test_mse/M=2"], 6);
        Assert.Equal(rStar8, s["matched_mse/M=2"], 6);
        Assert.Equal(1.5 / rStar8, s["ratio_gamma_star/M=1"], 12);
        Assert.Equal(0.5, s["mismatch_cost"], 12);
        Assert.Equal((1.0, 2.0), (s["tasks_needed_found"], s["tasks_needed"]));

        // Two lengths, two Bayes estimates.
        Assert.Equal(Bayes(4, 0.5), s["ref/bayes"], 0.01);
        Assert.Equal(Bayes(8, 0.5), s["ref/bayes_train_len"], 0.01);
        Assert.True(s["ref/bayes"] - s["ref/bayes_train_len"] > 0.05, "more context, lower Bayes risk");
        Assert.Equal(rStar8 / s["ref/bayes_train_len"], s["ref/gamma_star_over_bayes"], 12);
        Assert.Equal(1.5 / s["ref/bayes"], s["test_mse_ratio_bayes"], 12);
        Assert.Equal(["test_mse", "test_mse", "test_mse"], result.References.Take(3).Select(r => r.MetricKey));
        Assert.Equal((s["ref/bayes"], 1.0, mismatch), (result.References[0].Value, result.References[1].Value, result.References[2].Value));
        Assert.Equal("Γ* for n_train=8", result.References[2].Label);
        Assert.DoesNotContain(s.Keys, k => k.StartsWith("ref/pool_posterior", StringComparison.Ordinal));
    }

    [Fact]
    public void A_mismatch_cost_over_the_tolerance_with_a_pool_at_gamma_star_reproduces()
    {
        // σ² = ¼, N 4 → 8, tolerance 5 %: M=1 has Γ = 0 (1.25 = 1.74× R*₄), M=4 half of Γ*₄ (+19 %), M=16 and fresh
        // tasks Γ*₄, whose risk at N = 8 is 6.8 % over R*₈.
        var settings = Settings(4, 8, 0.25, 0.05, 0);
        var star4 = GammaStar(4, 0.25);
        var result = TaskCountSummary.Build(settings, Gamma([1, 4, 16, 0], 0, star4 / 2, star4, star4), 5, CancellationToken.None);
        var s = result.Summary;
        GoldenText.Text("run-verdicts.json", "icl-task-count/mismatch-over-the-tolerance", result.Verdict!);
        Assert.StartsWith("Reproduced (the part one run can show): tasks needed (smallest M with test MSE at n_train=4 within 5 % of Γ*'s risk", result.Verdict, StringComparison.Ordinal);
        Assert.Contains(") = 16; M=1 is 1.74× Γ*", result.Verdict, StringComparison.Ordinal);
        var cost = (Risk(star4, 8, 0.25) / (1.25 - GammaStar(8, 0.25))) - 1;
        Assert.InRange(cost, 0.06, 0.07);
        Assert.Equal(cost, s["mismatch_cost"], 6);
        Assert.Equal(cost, s["ref/mismatch_cost"], 12);
        Assert.Equal((1.0, 16.0), (s["tasks_needed_found"], s["tasks_needed"]));
        Assert.Equal(Risk(star4 / 2, 4, 0.25) / (1.25 - star4), s["ratio_gamma_star/M=4"], 1e-6);
    }

    [Fact]
    public void No_pool_within_the_tolerance_is_not_reproduced_and_reports_four_times_the_largest_pool()
    {
        var settings = Settings(4, 8, 0.25, 0.05, 0);
        var star4 = GammaStar(4, 0.25);
        var result = TaskCountSummary.Build(settings, Gamma([1, 4, 16, 0], 0, star4 / 2, star4 / 2, star4), 5, CancellationToken.None);
        GoldenText.Text("run-verdicts.json", "icl-task-count/no-pool-within-the-tolerance", result.Verdict!);
        Assert.StartsWith("Not reproduced: no pool up to M=16 gets within 5 % of Γ*; M=1 is 1.74× Γ*", result.Verdict, StringComparison.Ordinal);
        Assert.Equal((0.0, 64.0), (result.Summary["tasks_needed_found"], result.Summary["tasks_needed"]));
        // Γ's optimum is far (×1.56) from Bayes ridge at d = 2, N = 4: no pool gets within 5 % of it.
        Assert.False(result.Summary.ContainsKey("tasks_needed_bayes"));
        Assert.Contains("no M gets within 5 % of Bayes ridge", result.Verdict, StringComparison.Ordinal);
    }

    [Fact]
    public void Full_model_risks_are_monte_carlo_at_each_length_and_said_so()
    {
        var star4 = GammaStar(4, 0.25);
        var result = TaskCountSummary.Build(Settings(4, 8, 0.25, 0.05, 0), Full([1, 16, 0], 0, star4, star4), 5, CancellationToken.None);
        var s = result.Summary;
        GoldenText.Text("run-verdicts.json", "icl-task-count/full-model", result.Verdict!);
        Assert.EndsWith(" Model: full one-layer linear attention (test MSE by Monte Carlo, 8,192 prompts). Whether the tasks needed barely depend on d needs runs at several d (same seed), d=2 here.", result.Verdict, StringComparison.Ordinal);
        Assert.Equal(Risk(star4, 8, 0.25), s["test_mse/M=inf"], 0.03);
        Assert.Equal(1.25 - star4, s["matched_mse/M=inf"], 0.03);
        Assert.Equal(1.25, s["matched_mse/M=1"], 0.05);

        // Equal lengths: one set of prompts, so matched and test risks are the same numbers.
        var same = TaskCountSummary.Build(Settings(4, 4, 0.25, 0.05, 0), Full([1, 0], 0, star4), 5, CancellationToken.None).Summary;
        Assert.Equal(same["test_mse/M=inf"], same["matched_mse/M=inf"]);
        Assert.Equal(same["test_mse/M=1"], same["matched_mse/M=1"]);
    }

    [Fact]
    public void Null_arguments_throw_argument_null_with_their_names()
    {
        var outcome = Gamma([1, 0], 0, 0.5);
        Assert.Equal("settings", Assert.Throws<ArgumentNullException>(() => TaskCountSummary.Build(null!, outcome, 1, CancellationToken.None)).ParamName);
        Assert.Equal("outcome", Assert.Throws<ArgumentNullException>(() => TaskCountSummary.Build(Settings(4, 4, 0.5, 0.5, 0), null!, 1, CancellationToken.None)).ParamName);
    }
}
