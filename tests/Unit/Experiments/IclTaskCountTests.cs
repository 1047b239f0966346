using System.Diagnostics;
using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.IclTaskCount;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace LayerLab.Tests.Unit.Experiments;

public sealed class IclTaskCountTests(ITestOutputHelper output)
{
    private static readonly IclTaskCountExperiment Experiment = new();

    private static RunContext Context(RunParameters parameters, long seed = 1, IRunReporter? reporter = null) =>
        ExperimentHarness.Context(parameters, seed, reporter);

    private static Task<RunResult> Train(long seed, IRunReporter? reporter, params (string, object)[] overrides) =>
        Experiment.TrainAsync(Context(IclTaskCountSettings.Parameters(overrides), seed, reporter), CancellationToken.None);

    /// <summary>A small, fast configuration: d=4, pools 1…256, 600 steps.</summary>
    private static readonly (string, object)[] Small =
        [("d", 4L), ("n_train", 8L), ("n_test", 8L), ("pools", "pow2_1_256"), ("steps", 600L), ("batch", 128L), ("pool_posterior_max", 16L)];

    // ---------- reference math ----------

    [Theory]
    [InlineData("isotropic", 3, 5, 0.25)]
    [InlineData("powerlaw", 3, 4, 0.5)]
    public void Gamma_star_closed_form_matches_the_least_squares_solution_on_a_large_sample(string spectrum, int d, int n, double noise)
    {
        var settings = IclTaskCountSettings.Default with { Dimension = d, Spectrum = spectrum == "powerlaw" ? Spectrum.PowerLaw : Spectrum.Isotropic };
        var s = settings.Eigenvalues();
        const int samples = 400_000;
        using var scope = NewDisposeScope();
        using var gen = new Generator(11, CPU);
        var sqrtS = tensor(s.Select(Math.Sqrt).ToArray(), dtype: ScalarType.Float64);
        var w = randn([samples, d], dtype: ScalarType.Float64, generator: gen) / Math.Sqrt(d);
        var x = randn([samples, n + 1, d], dtype: ScalarType.Float64, generator: gen) * sqrtS;
        var y = x.matmul(w.unsqueeze(-1)).squeeze(-1) + (randn([samples, n + 1], dtype: ScalarType.Float64, generator: gen) * Math.Sqrt(noise));
        var h = x.narrow(1, 0, n).transpose(1, 2).matmul(y.narrow(1, 0, n).unsqueeze(-1)).squeeze(-1) / n;
        var features = (x.select(1, n).unsqueeze(2) * h.unsqueeze(1)).reshape(samples, d * d);   // vec(x_q hᵀ): ŷ = ⟨Γ, x_q hᵀ⟩
        var target = y.select(1, n);
        // Normal equations, solved independently of the closed form.
        var gram = features.t().matmul(features) / samples;
        var rhs = features.t().matmul(target.unsqueeze(-1)) / samples;
        var gamma = linalg.solve(gram, rhs).reshape(d, d).data<double>().ToArray();

        var star = TaskCountReference.GammaStar(s, n, noise);
        for (var i = 0; i < d; i++)
            for (var j = 0; j < d; j++)
                Assert.Equal(i == j ? star[i] : 0, gamma[(i * d) + j], 0.02);
        output.WriteLine($"Γ* diag closed form {string.Join(", ", star.Select(v => v.ToString("0.0000")))}; least squares {string.Join(", ", Enumerable.Range(0, d).Select(i => gamma[(i * d) + i].ToString("0.0000")))}");
        if (spectrum == "isotropic") Assert.Equal(n / (n + 1.0 + (d * (1 + noise))), star[0], 12);

        // The closed-form risk of Γ* matches its empirical squared error on the same sample.
        var starT = diag(tensor(star, dtype: ScalarType.Float64));
        var empirical = ((x.select(1, n).matmul(starT) * h).sum(1) - target).square().mean().item<double>();
        var exact = TaskCountReference.GammaStarRisk(s, n, n, noise);
        Assert.Equal(exact, empirical, exact * 0.01);
    }

    [Fact]
    public void Closed_form_risk_of_an_arbitrary_gamma_matches_monte_carlo()
    {
        const int d = 3, n = 6, samples = 400_000;
        const double noise = 0.3;
        double[] s = [1, 0.5, 0.25];
        float[] g = [0.5f, 0.2f, -0.1f, 0.3f, 0.7f, 0f, -0.2f, 0.1f, 0.4f];
        using var scope = NewDisposeScope();
        using var gen = new Generator(5, CPU);
        var sqrtS = tensor(s.Select(Math.Sqrt).ToArray(), dtype: ScalarType.Float64);
        var w = randn([samples, d], dtype: ScalarType.Float64, generator: gen) / Math.Sqrt(d);
        var x = randn([samples, n + 1, d], dtype: ScalarType.Float64, generator: gen) * sqrtS;
        var y = x.matmul(w.unsqueeze(-1)).squeeze(-1) + (randn([samples, n + 1], dtype: ScalarType.Float64, generator: gen) * Math.Sqrt(noise));
        var h = x.narrow(1, 0, n).transpose(1, 2).matmul(y.narrow(1, 0, n).unsqueeze(-1)).squeeze(-1) / n;
        var gT = tensor(g.Select(v => (double)v).ToArray(), [d, d], dtype: ScalarType.Float64);
        var empirical = ((x.select(1, n).matmul(gT) * h).sum(1) - y.select(1, n)).square().mean().item<double>();
        var exact = TaskCountReference.Risk(g, s, n, noise);
        output.WriteLine($"risk exact {exact:0.00000} MC {empirical:0.00000}");
        Assert.Equal(exact, empirical, exact * 0.01);
        Assert.True(exact > TaskCountReference.GammaStarRisk(s, n, n, noise) + 0.01, "an arbitrary Γ is worse than Γ*");
    }

    [Fact]
    public void Bayes_ridge_risk_matches_direct_monte_carlo_and_the_ols_limit_and_beats_gamma_star()
    {
        const int d = 4, n = 10;
        const double noise = 0.25;
        double[] s = [1, 1, 1, 1];
        var rb = TaskCountReference.BayesRidgeRisk(s, n, noise, 40_000, 3);

        // Direct simulation of the posterior-mean predictor (w, X, ε, x_q, y_q all sampled).
        const int samples = 200_000;
        using var scope = NewDisposeScope();
        using var gen = new Generator(9, CPU);
        var w = randn([samples, d], dtype: ScalarType.Float64, generator: gen) / Math.Sqrt(d);
        var x = randn([samples, n + 1, d], dtype: ScalarType.Float64, generator: gen);
        var y = x.matmul(w.unsqueeze(-1)).squeeze(-1) + (randn([samples, n + 1], dtype: ScalarType.Float64, generator: gen) * Math.Sqrt(noise));
        var xc = x.narrow(1, 0, n);
        var a = xc.transpose(1, 2).matmul(xc) + (eye(d, dtype: ScalarType.Float64) * (noise * d));
        var wHat = linalg.solve(a, xc.transpose(1, 2).matmul(y.narrow(1, 0, n).unsqueeze(-1))).squeeze(-1);
        var direct = ((x.select(1, n) * wHat).sum(1) - y.select(1, n)).square().mean().item<double>();
        output.WriteLine($"Bayes ridge: Rao-Blackwell {rb:0.00000}, direct {direct:0.00000}, Γ* {TaskCountReference.GammaStarRisk(s, n, n, noise):0.00000}");
        Assert.Equal(direct, rb, rb * 0.015);
        Assert.True(rb < TaskCountReference.GammaStarRisk(s, n, n, noise) - 0.02, "Bayes ridge beats the Γ model's optimum");

        // Tiny noise: ridge ≈ OLS, whose risk is σ²(1 + d/(N − d − 1)) (mean of an inverse Wishart).
        const double tiny = 1e-4;
        var ols = tiny * (1 + (d / (double)(n - d - 1)));
        Assert.Equal(ols, TaskCountReference.BayesRidgeRisk(s, n, tiny, 40_000, 4), ols * 0.03);
    }

    [Fact]
    public void Pool_posterior_with_one_task_predicts_with_that_task_exactly()
    {
        double[] s = [1, 0.5, 0.25];
        const double noise = 0.2;
        double[] task = [0.3, -0.6, 0.9];
        using var pool = tensor(task, [1, 3], dtype: ScalarType.Float64);
        var (fresh, inPool) = TaskCountReference.PoolPosteriorRisk(pool, s, 8, noise, 20_000, 7);
        Assert.Equal(noise, inPool, 12);
        // On fresh tasks it always predicts w₁: risk = w₁ᵀΣw₁ + tr Σ/d + σ².
        var exact = task.Select((v, i) => v * v * s[i]).Sum() + (s.Sum() / 3) + noise;
        Assert.Equal(exact, fresh, exact * 0.02);

        // With a large pool the pool posterior on fresh tasks is no better than Bayes ridge (which is optimal there).
        using var gen = new Generator(3, CPU);
        using var big = randn([4096, 3], dtype: ScalarType.Float64, generator: gen) / Math.Sqrt(3);
        var (bigFresh, bigInPool) = TaskCountReference.PoolPosteriorRisk(big, s, 8, noise, 2000, 8);
        var bayes = TaskCountReference.BayesRidgeRisk(s, 8, noise, 20_000, 9);
        output.WriteLine($"pool 4096: fresh {bigFresh:0.0000}, in pool {bigInPool:0.0000}, Bayes {bayes:0.0000}");
        Assert.True(bigFresh > bayes * 0.97);
        Assert.InRange(bigFresh, bayes * 0.97, bayes * 1.3);
    }

    [Fact]
    public void Full_model_risk_with_the_gamma_embedding_matches_the_gamma_closed_form()
    {
        // u = e_y, V = [Γᵀ; 0] makes uᵀ G V x_q = hᵀ Γᵀ x_q = x_qᵀ Γ h.
        const int d = 3, n = 6;
        const double noise = 0.3;
        double[] s = [1, 0.5, 0.25];
        float[] g = [0.5f, 0.2f, -0.1f, 0.3f, 0.7f, 0f, -0.2f, 0.1f, 0.4f];
        var u = new float[d + 1];
        u[d] = 1;
        var v = new float[(d + 1) * d];
        for (var i = 0; i < d; i++)
            for (var j = 0; j < d; j++) v[(j * d) + i] = g[(i * d) + j];
        var mc = TaskCountReference.FullModelRisk(u, v, 1, s, n, noise, 100_000, 4)[0];
        var exact = TaskCountReference.Risk(g, s, n, noise);
        output.WriteLine($"full-model MC {mc:0.00000}, gamma closed form {exact:0.00000}");
        Assert.Equal(exact, mc, exact * 0.015);
    }

    [Fact]
    public async Task Full_model_with_many_tasks_reaches_gamma_star_and_with_one_task_does_not()
    {
        var result = await Train(1, null, [.. Small, ("model", "full"), ("steps", 800L)]);
        output.WriteLine(result.Verdict);
        var star = result.Summary["ref/gamma_star"];
        output.WriteLine($"M=1 {result.Summary["test_mse/M=1"]:0.0000} M=256 {result.Summary["test_mse/M=256"]:0.0000} inf {result.Summary["test_mse/M=inf"]:0.0000} Γ* {star:0.0000} Bayes {result.Summary["ref/bayes"]:0.0000}");
        Assert.InRange(result.Summary["test_mse/M=inf"], result.Summary["ref/bayes"], star * 1.05);
        Assert.True(result.Summary["test_mse/M=1"] > 1.5 * star);
        Assert.Contains("full one-layer", result.Verdict, StringComparison.Ordinal);
    }

    // ---------- training ----------

    [Fact]
    public async Task Small_config_many_tasks_reach_gamma_star_one_task_does_not_and_reports_live()
    {
        var reporter = new RecordingReporter();
        var watch = Stopwatch.StartNew();
        var result = await Train(1, reporter, Small);
        output.WriteLine($"small config: {watch.ElapsedMilliseconds} ms");
        output.WriteLine(result.Verdict);
        foreach (var (k, v) in result.Summary.OrderBy(p => p.Key, StringComparer.Ordinal)) output.WriteLine($"{k} = {v:0.00000}");

        var star = result.Summary["ref/gamma_star"];
        var bayes = result.Summary["ref/bayes"];
        Assert.InRange(result.Summary["test_mse/M=inf"], star, star * 1.03);
        Assert.InRange(result.Summary["test_mse/M=256"], star, star * 1.05);
        Assert.True(result.Summary["test_mse/M=1"] > 1.5 * star, "M=1 memorises its one task");
        Assert.True(result.Summary["test_mse/M=1"] > 1.5 * bayes);
        Assert.True(bayes < star);
        Assert.Equal(1, result.Summary["tasks_needed_found"]);
        Assert.InRange(result.Summary["tasks_needed"], 2, 256);
        // Risk falls (weakly, up to SGD noise) with the pool size from 1 to 256.
        Assert.True(result.Summary["test_mse/M=1"] > result.Summary["test_mse/M=4"]);
        Assert.True(result.Summary["test_mse/M=4"] > result.Summary["test_mse/M=64"]);
        Assert.StartsWith("Reproduced", result.Verdict, StringComparison.Ordinal);
        // M=1 pool posterior on its own task would be σ², on fresh tasks it is much worse than Bayes.
        Assert.Equal(0.25, result.Summary["ref/pool_posterior_in_pool/M=1"], 9);
        Assert.True(result.Summary["ref/pool_posterior/M=1"] > 1.5 * bayes);

        var steps = reporter.Samples.Select(p => p.Step).Distinct().ToList();
        Assert.Equal(0, steps[0]);
        Assert.Equal(600, steps[^1]);
        Assert.True(steps.Count >= 50);
        var live = reporter.Samples.Where(p => p.Key == "test_mse/M=inf").ToList();
        Assert.True(live[^1].Value < live[0].Value);
        Assert.Equal(1.0, reporter.Progress[^1]);
        foreach (var metric in Experiment.Metrics.Where(m => !m.Key.StartsWith("test_mse/M=", StringComparison.Ordinal) || m.Key is "test_mse/M=1" or "test_mse/M=inf"))
            Assert.True(result.Summary.ContainsKey(metric.Key), metric.Key);
        Assert.All(result.Summary.Values, v => Assert.True(double.IsFinite(v)));
        Assert.All(result.References, r => Assert.Contains(Experiment.Metrics, m => m.Key == r.MetricKey));
    }

    [Fact]
    public async Task Train_test_length_mismatch_costs_accuracy_against_the_matched_gamma_star()
    {
        var result = await Train(2, null, [.. Small, ("n_test", 32L), ("pools", "pow4_1_4096")]);
        output.WriteLine(result.Verdict);
        // Exact for Σ=I, d=4, σ²=¼, N 8→32: Γ*₈ = 8/14 at N=32 vs Γ*₃₂ = 32/38.
        Assert.True(result.Summary["ref/mismatch_cost"] > 0.1);
        Assert.True(result.Summary["mismatch_cost"] > 0.1);
        Assert.Equal(result.Summary["ref/gamma_star_mismatch"], result.Summary["test_mse/M=inf"], result.Summary["ref/gamma_star_mismatch"] * 0.03);
        Assert.StartsWith("Reproduced", result.Verdict, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Same_seed_is_deterministic()
    {
        (string, object)[] tiny = [.. Small, ("steps", 50L), ("pool_posterior_max", 4L)];
        var a = await Train(5, null, tiny);
        var b = await Train(5, null, tiny);
        var c = await Train(6, null, tiny);
        Assert.Equal(a.Summary.OrderBy(p => p.Key), b.Summary.OrderBy(p => p.Key));
        Assert.NotEqual(a.Summary["test_mse/M=inf"], c.Summary["test_mse/M=inf"]);
    }

    [Fact]
    public async Task Pre_cancelled_token_throws_before_training()
    {
        var reporter = new RecordingReporter();
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() =>
            Experiment.TrainAsync(Context(IclTaskCountSettings.Parameters(), 1, reporter), cts.Token));
        Assert.Empty(reporter.Samples);
    }

    [Fact]
    public async Task Cancelling_mid_run_stops_training_with_operation_cancelled()
    {
        using var cts = new CancellationTokenSource();
        var reporter = new RecordingReporter { OnReport = call => call == 3 ? new ValueTask(cts.CancelAsync()) : ValueTask.CompletedTask };
        // 100k steps report every 1,000 steps: the third report comes after ~2k steps (~1 s), long before the end.
        var parameters = IclTaskCountSettings.Parameters([.. Small, ("steps", 100_000L)]);
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Experiment.TrainAsync(Context(parameters, 1, reporter), cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(reporter.Progress, p => p >= 1);
    }

    [Fact]
    public void Specs_validate_their_defaults_and_reject_bad_values()
    {
        var valid = ParameterValidation.Validate(Experiment.Parameters, new Dictionary<string, string?>());
        Assert.True(valid.IsValid);
        Assert.Equal(IclTaskCountSettings.Default, IclTaskCountSettings.From(valid.Parameters!));
        foreach (var spec in Experiment.Parameters) Assert.NotNull(spec.TryParse(spec.DefaultText, out _));
        Assert.Equal("icl-task-count", Experiment.Key);
        Assert.Contains(Experiment.Metrics, m => m.Key == Experiment.PrimaryMetric && m.Direction == MetricDirection.Minimize);

        var bad = ParameterValidation.Validate(Experiment.Parameters, new Dictionary<string, string?>
        {
            ["d"] = "0", ["noise"] = "NaN", ["pools"] = "1,2,3", ["spectrum"] = "flat", ["steps"] = "-1", ["bogus"] = "1",
        });
        Assert.False(bad.IsValid);
        foreach (var key in new[] { "d", "noise", "pools", "spectrum", "steps", "bogus" }) Assert.True(bad.Errors.ContainsKey(key), key);
        Assert.Equal([1L, 4, 16, 64, 256, 1024, 4096, 16384, 65536], IclTaskCountSettings.Default.PoolSizes());
        Assert.Equal([1, 0.5, 1 / 3.0], (IclTaskCountSettings.Default with { Dimension = 3, Spectrum = Spectrum.PowerLaw }).Eigenvalues());
    }
}
