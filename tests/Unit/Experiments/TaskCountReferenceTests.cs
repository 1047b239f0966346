using LayerLab.Training.Experiments.IclTaskCount;
using TorchSharp;
using static TorchSharp.torch;

namespace LayerLab.Tests.Unit.Experiments;

/// <summary>icl-task-count's references where the answer is known without simulating: pools whose posterior weights
/// are known (uniform under overwhelming noise, or all tasks equal), the OLS limit of Bayes ridge on an anisotropic
/// Σ, and the argument checks. Pure (TorchSharp tensors, no training); well under a second each.</summary>
public sealed class TaskCountReferenceTests
{
    private static readonly double[] S = [1, 0.5, 0.25];

    private static double Quad(double[] a, double[] s) => a.Select((v, i) => v * v * s[i]).Sum();

    [Fact]
    public void Pool_posterior_under_overwhelming_noise_predicts_the_pool_mean_and_picks_in_pool_tasks_uniformly()
    {
        // σ² = 10⁸: the data cannot tell the tasks apart, so every weight is 1/M and ŵ is the pool's mean w̄ = v/3.
        // In-pool prompts draw each task with probability 1/3: two zero tasks (error w̄) and v (error 2v/3), so the
        // excess risk is (1/3)(2·q/9 + 4q/9) = 2q/9 with q = vᵀΣv. Picking task 0 only would give q/9; the exact
        // likelihood weights (· 2σ² instead of / 2σ²) would pick one task per prompt, near q/2.
        const double noise = 1e8;
        double[] v = [1, 2, -1];
        var q = Quad(v, S);
        using var pool = tensor(new double[] { 0, 0, 0, 0, 0, 0, v[0], v[1], v[2] }, [3, 3], dtype: ScalarType.Float64);
        var (fresh, inPool) = TaskCountReference.PoolPosteriorRisk(pool, S, 8, noise, 20_000, 17);
        Assert.Equal(2 * q / 9, inPool - noise, 2 * q / 9 * 0.03);
        // Fresh w ~ N(0, I/d): E(w̄ − w)ᵀΣ(w̄ − w) = w̄ᵀΣw̄ + tr Σ/d.
        var freshExcess = (q / 9) + (S.Sum() / 3);
        Assert.Equal(freshExcess, fresh - noise, freshExcess * 0.03);
    }

    [Fact]
    public void Pool_posterior_over_two_chunks_weighs_both_chunks_alike()
    {
        // 66 tasks, exactly two chunks (2·10⁶ / (20,000 prompts · d 3) = 33 a chunk): 33 zero tasks, then 33 copies of
        // v. Uniform weights (σ² = 10⁸) give ŵ = v/2 on every prompt, whichever task it came from: excess q/4 in pool.
        // A chunk rescaled by the wrong running maximum would pull ŵ towards one chunk's tasks; a third, empty chunk
        // would have no maximum at all.
        const double noise = 1e8;
        double[] v = [1, 2, -1];
        var q = Quad(v, S);
        var tasks = Enumerable.Range(0, 66).SelectMany(i => i < 33 ? new double[3] : v).ToArray();
        using var pool = tensor(tasks, [66, 3], dtype: ScalarType.Float64);
        var (fresh, inPool) = TaskCountReference.PoolPosteriorRisk(pool, S, 8, noise, 20_000, 19);
        Assert.Equal(q / 4, inPool - noise, q / 4 * 0.01);
        var freshExcess = (q / 4) + (S.Sum() / 3);
        Assert.Equal(freshExcess, fresh - noise, freshExcess * 0.03);
    }

    [Fact]
    public void Pool_posterior_of_equal_tasks_survives_likelihoods_that_underflow()
    {
        // σ² = 10⁻³: a fresh task's log-likelihoods are all about −‖X(w − t)‖²/2σ² ≈ −10³, below exp's range (−745),
        // so only the shift by the running maximum keeps the weights finite. All 40 tasks (two chunks) equal t, so
        // any finite weights give ŵ = t: in pool the excess is 0, on fresh tasks tᵀΣt + tr Σ/d.
        const double noise = 1e-3;
        double[] t = [0.8, -0.6, 0.4];
        using var pool = tensor(Enumerable.Range(0, 40).SelectMany(_ => t).ToArray(), [40, 3], dtype: ScalarType.Float64);
        var (fresh, inPool) = TaskCountReference.PoolPosteriorRisk(pool, S, 8, noise, 20_000, 23);
        Assert.Equal(noise, inPool, 12);
        var exact = Quad(t, S) + (S.Sum() / 3) + noise;
        Assert.Equal(exact, fresh, exact * 0.03);
    }

    [Fact]
    public void Pool_posterior_keeps_the_first_chunks_maximum_when_the_second_chunk_is_far_less_likely()
    {
        // 33 copies of t, then 33 of a far task u (σ² = 10⁻³). An in-pool prompt from t gives u's chunk log-likelihoods
        // near −10⁴ against t's near −4: rescaling the first chunk to the second chunk's own maximum would multiply it
        // by e^(10⁴) = ∞. Every prompt's posterior sits on its own task (all its copies equal), so the excess is 0.
        const double noise = 1e-3;
        double[] t = [0.8, -0.6, 0.4], u = [-3, 4, 2];
        var tasks = Enumerable.Range(0, 66).SelectMany(i => i < 33 ? t : u).ToArray();
        using var pool = tensor(tasks, [66, 3], dtype: ScalarType.Float64);
        var (fresh, inPool) = TaskCountReference.PoolPosteriorRisk(pool, S, 8, noise, 20_000, 29);
        Assert.Equal(noise, inPool, 9);
        Assert.True(double.IsFinite(fresh) && fresh > noise, $"fresh {fresh}");
    }

    [Fact]
    public void Bayes_ridge_on_an_anisotropic_spectrum_approaches_the_ols_risk_which_does_not_depend_on_it()
    {
        // OLS: excess σ² tr(Σ E(XᵀX)⁻¹) = σ² tr(E(ZᵀZ)⁻¹) = σ² d/(N − d − 1) for X = ZΣ^½, whatever Σ. Scaling the rows
        // by Σ^−½ instead would give σ² Σᵢ sᵢ²/(N − d − 1) (1.31 for S instead of 3).
        const double tiny = 1e-4;
        const int n = 10;
        var ols = tiny * (1 + (3 / (double)(n - 3 - 1)));
        Assert.Equal(ols, TaskCountReference.BayesRidgeRisk(S, n, tiny, 40_000, 4), ols * 0.02);
    }

    [Fact]
    public void Bayes_ridge_over_several_chunks_averages_every_sample_once()
    {
        // N·d = 1,000: 4,000 samples a chunk, so 10,000 samples are 4,000 + 4,000 + 2,000. Tiny noise: the OLS risk
        // σ²(1 + d/(N − d − 1)) with d = 10, N = 100 (sample spread of tr(XᵀX)⁻¹ there is a few %, so 10⁴ samples
        // pin the mean to ~0.1 %; counting the last chunk whole would add 20 % to the excess).
        const double tiny = 1e-4;
        var s = Enumerable.Repeat(1.0, 10).ToArray();
        var ols = tiny * (1 + (10 / 89.0));
        Assert.Equal(ols, TaskCountReference.BayesRidgeRisk(s, 100, tiny, 10_000, 6), ols * 0.003);
    }

    [Fact]
    public void Null_arguments_throw_argument_null_with_their_names()
    {
        using var pool = zeros(1, 3, dtype: ScalarType.Float64);
        Assert.Equal("s", Assert.Throws<ArgumentNullException>(() => TaskCountReference.HDiagonal(null!, 4, 0.1)).ParamName);
        Assert.Equal("s", Assert.Throws<ArgumentNullException>(() => TaskCountReference.GammaStar(null!, 4, 0.1)).ParamName);
        Assert.Equal("s", Assert.Throws<ArgumentNullException>(() => TaskCountReference.Risk(new float[9], null!, 4, 0.1)).ParamName);
        Assert.Equal("gammaDiagonal", Assert.Throws<ArgumentNullException>(() => TaskCountReference.RiskDiagonal(null!, S, 4, 0.1)).ParamName);
        Assert.Equal("s", Assert.Throws<ArgumentNullException>(() => TaskCountReference.RiskDiagonal([1, 1, 1], null!, 4, 0.1)).ParamName);
        Assert.Equal("s", Assert.Throws<ArgumentNullException>(() => TaskCountReference.BayesRidgeRisk(null!, 4, 0.1, 10, 1)).ParamName);
        Assert.Equal("pool", Assert.Throws<ArgumentNullException>(() => TaskCountReference.PoolPosteriorRisk(null!, S, 4, 0.1, 10, 1)).ParamName);
        Assert.Equal("s", Assert.Throws<ArgumentNullException>(() => TaskCountReference.PoolPosteriorRisk(pool, null!, 4, 0.1, 10, 1)).ParamName);
        Assert.Equal("s", Assert.Throws<ArgumentNullException>(() => TaskCountReference.FullModelRisk(new float[4], new float[12], 1, null!, 4, 0.1, 10, 1)).ParamName);
    }

    [Fact]
    public void Cancelled_token_stops_the_monte_carlo_references()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        using var pool = zeros(2, 3, dtype: ScalarType.Float64);
        Assert.Throws<OperationCanceledException>(() => TaskCountReference.BayesRidgeRisk(S, 4, 0.1, 10, 1, cts.Token));
        Assert.Throws<OperationCanceledException>(() => TaskCountReference.PoolPosteriorRisk(pool, S, 4, 0.1, 10, 1, cts.Token));
    }
}
