using TorchSharp;
using static TorchSharp.torch;

namespace LayerLab.Training.Experiments.IclTaskCount;

/// <summary>
/// Exact references for the Gaussian in-context linear-regression problem with Σ = diag(s), w ~ N(0, I/d),
/// y = w·x + ε, ε ~ N(0, σ²), and the one-layer linear-attention model ŷ = x_qᵀ Γ h, h = (1/N) Σᵢ yᵢ xᵢ.
/// <para>
/// Moments (Gaussian fourth moment E[x xᵀ A x xᵀ] = Σ(A + Aᵀ)Σ + tr(AΣ)Σ): E[h | w] = Σw and
/// H_N = E[h hᵀ] = ((N+1)/(N d)) Σ² + (1/N)(tr Σ/d + σ²) Σ, E[h wᵀ] = Σ/d. Hence the risk of any Γ on fresh tasks
/// is R(Γ; N) = tr(Γ H_N Γᵀ Σ) − (2/d) tr(Γ Σ²) + tr Σ/d + σ², a quadratic whose minimiser is
/// Γ* = Σ H_N⁻¹ / d, i.e. Γ*ᵢᵢ = N / ((N+1) sᵢ + tr Σ + d σ²) (for Σ = I: N/(N + 1 + d(1 + σ²)) · I).
/// </para>
/// </summary>
public static class TaskCountReference
{
    /// <summary>Diagonal of H_N = E[h hᵀ].</summary>
    public static double[] HDiagonal(double[] s, int n, double noise)
    {
        ArgumentNullException.ThrowIfNull(s);
        var d = s.Length;
        var trace = s.Sum();
        return [.. s.Select(si => ((n + 1.0) / (n * (double)d) * si * si) + ((trace / d) + noise) * si / n)];
    }

    /// <summary>Diagonal of the optimal Γ* for context length <paramref name="n"/> (off-diagonal entries are 0).</summary>
    public static double[] GammaStar(double[] s, int n, double noise)
    {
        ArgumentNullException.ThrowIfNull(s);
        var trace = s.Sum();
        return [.. s.Select(si => n / (((n + 1.0) * si) + trace + (s.Length * noise)))];
    }

    /// <summary>Exact expected squared error on fresh tasks at context length n of the model with this Γ (row-major d×d).</summary>
    public static double Risk(ReadOnlySpan<float> gamma, double[] s, int n, double noise)
    {
        ArgumentNullException.ThrowIfNull(s);
        var d = s.Length;
        var h = HDiagonal(s, n, noise);
        double quadratic = 0, linear = 0;
        for (var i = 0; i < d; i++)
        {
            for (var j = 0; j < d; j++)
            {
                double g = gamma[(i * d) + j];
                quadratic += g * g * s[i] * h[j];
            }
            linear += gamma[(i * d) + i] * s[i] * s[i];
        }
        return quadratic - (2.0 / d * linear) + (s.Sum() / d) + noise;
    }

    /// <summary>R(Γ) for a diagonal Γ.</summary>
    public static double RiskDiagonal(double[] gammaDiagonal, double[] s, int n, double noise)
    {
        ArgumentNullException.ThrowIfNull(gammaDiagonal);
        ArgumentNullException.ThrowIfNull(s);
        var d = s.Length;
        var h = HDiagonal(s, n, noise);
        double total = 0;
        for (var i = 0; i < d; i++) total += (gammaDiagonal[i] * gammaDiagonal[i] * s[i] * h[i]) - (2.0 / d * gammaDiagonal[i] * s[i] * s[i]);
        return total + (s.Sum() / d) + noise;
    }

    /// <summary>Risk of the best Γ for context length <paramref name="trainN"/>, evaluated at context length <paramref name="testN"/>.</summary>
    public static double GammaStarRisk(double[] s, int trainN, int testN, double noise) =>
        RiskDiagonal(GammaStar(s, trainN, noise), s, testN, noise);

    /// <summary>
    /// Bayes risk of the posterior mean (ridge with the prior's regulariser: ŵ = (XᵀX + σ² d I)⁻¹ Xᵀy) at context
    /// length n. Rao–Blackwellised: given X, the excess risk is exactly tr(Σ Cov_post), Cov_post = σ²(XᵀX + σ²dI)⁻¹,
    /// so only X is sampled (<paramref name="samples"/> draws, float64, seeded).
    /// </summary>
    public static double BayesRidgeRisk(double[] s, int n, double noise, int samples, long seed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(s);
        var d = s.Length;
        using var scope = NewDisposeScope();
        using var generator = new Generator(unchecked((ulong)seed), CPU);
        var sqrtS = tensor(s.Select(Math.Sqrt).ToArray(), dtype: ScalarType.Float64);
        var sT = tensor(s, dtype: ScalarType.Float64);
        var ridge = eye(d, dtype: ScalarType.Float64) * (noise * d);
        var chunk = Math.Max(1, Math.Min(samples, 4_000_000 / Math.Max(1, n * d)));
        double total = 0;
        for (var done = 0; done < samples; done += chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var inner = NewDisposeScope();
            var k = Math.Min(chunk, samples - done);
            var x = randn([k, n, d], dtype: ScalarType.Float64, generator: generator) * sqrtS;
            var a = x.transpose(1, 2).matmul(x) + ridge;
            var inv = linalg.inv(a);
            total += (inv.diagonal(0, 1, 2) * sT).sum().item<double>();
        }
        return noise + (noise * total / samples);
    }

    /// <summary>
    /// Risk of the pool posterior mean (the Bayes predictor when tasks are uniform over the pool): ŵ = Σₘ πₘ wₘ,
    /// πₘ ∝ exp(−‖y − X wₘ‖² / 2σ²), at context length n, over <paramref name="prompts"/> test prompts whose task is
    /// fresh (w ~ N(0, I/d): <c>Fresh</c>) or drawn from the pool (<c>InPool</c>). Risk given ŵ is exact:
    /// (ŵ − w)ᵀΣ(ŵ − w) + σ².
    /// </summary>
    /// <param name="pool">[M, d] tasks (float64).</param>
    public static (double Fresh, double InPool) PoolPosteriorRisk(
        Tensor pool, double[] s, int n, double noise, int prompts, long seed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(s);
        var d = s.Length;
        var m = pool.shape[0];
        using var scope = NewDisposeScope();
        using var generator = new Generator(unchecked((ulong)seed), CPU);
        var sT = tensor(s, dtype: ScalarType.Float64);
        var x = randn([prompts, n, d], dtype: ScalarType.Float64, generator: generator) * sT.sqrt();
        var eps = randn([prompts, n], dtype: ScalarType.Float64, generator: generator) * Math.Sqrt(noise);
        var fresh = randn([prompts, d], dtype: ScalarType.Float64, generator: generator) / Math.Sqrt(d);
        var pick = (rand([prompts], dtype: ScalarType.Float64, generator: generator) * m).floor().to(ScalarType.Int64).clamp(0, m - 1);
        var inPool = pool.index_select(0, pick);
        var xtx = x.transpose(1, 2).matmul(x);                                    // [K, d, d]
        double Risk(Tensor w)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var inner = NewDisposeScope();
            var y = x.matmul(w.unsqueeze(-1)).squeeze(-1) + eps;                      // [K, n]
            var xty = x.transpose(1, 2).matmul(y.unsqueeze(-1)).squeeze(-1);          // [K, d]
            var yy = y.square().sum(1, keepdim: true);                                // [K, 1]
            var chunk = Math.Max(1L, 2_000_000L / (prompts * (long)d));
            Tensor? runMax = null, runSum = null, runVec = null;
            for (long start = 0; start < m; start += chunk)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var wc = pool.narrow(0, start, Math.Min(chunk, m - start));            // [c, d]
                var quad = einsum("ce,kef,cf->kc", wc, xtx, wc);
                var logits = (yy - (2 * xty.matmul(wc.t())) + quad) / (-2 * noise);   // [K, c]
                var cmax = logits.amax([1], keepdim: true);
                var newMax = runMax is null ? cmax : maximum(runMax, cmax);
                var e = (logits - newMax).exp();
                if (runMax is null) { runSum = e.sum(1, keepdim: true); runVec = e.matmul(wc); }
                else
                {
                    var scale = (runMax - newMax).exp();
                    runSum = (runSum! * scale) + e.sum(1, keepdim: true);
                    runVec = (runVec! * scale) + e.matmul(wc);
                }
                runMax = newMax;
            }
            var estimate = runVec! / runSum!;
            var diff = estimate - w;
            return noise + (diff.square() * sT).sum(1).mean().item<double>();
        }
        return (Risk(fresh), Risk(inPool));
    }

    /// <summary>
    /// Fresh-task risk at context length n of full linear-attention models (rows of u [R, d+1], V [R, d+1, d]):
    /// ŷ = uᵀ G V x_q = ŵ·x_q with ŵ = Vᵀ G u, G = (1/N) Σ zᵢzᵢᵀ; given the context the risk is exactly
    /// (ŵ − w)ᵀΣ(ŵ − w) + σ², averaged over <paramref name="prompts"/> seeded prompts (the same for every row).
    /// </summary>
    public static double[] FullModelRisk(float[] u, float[] v, int rows, double[] s, int n, double noise, int prompts, long seed)
    {
        ArgumentNullException.ThrowIfNull(s);
        var d = s.Length;
        using var scope = NewDisposeScope();
        using var generator = new Generator(unchecked((ulong)seed), CPU);
        var sT = tensor(s, dtype: ScalarType.Float64);
        var x = randn([prompts, n, d], dtype: ScalarType.Float64, generator: generator) * sT.sqrt();
        var w = randn([prompts, d], dtype: ScalarType.Float64, generator: generator) / Math.Sqrt(d);
        var y = x.matmul(w.unsqueeze(-1)) + (randn([prompts, n, 1], dtype: ScalarType.Float64, generator: generator) * Math.Sqrt(noise));
        var z = cat([x, y], 2);                                                               // [K, n, d+1]
        var g = z.transpose(1, 2).matmul(z) / n;                                               // [K, d+1, d+1]
        var uT = tensor(u, [rows, d + 1]).to(ScalarType.Float64);
        var vT = tensor(v, [rows, d + 1, d]).to(ScalarType.Float64);
        var gu = einsum("kab,rb->rka", g, uT);                                                 // [R, K, d+1]
        var wHat = gu.matmul(vT);                                                              // [R, K, d]
        var diff = wHat - w.unsqueeze(0);
        var risk = (diff.square() * sT).sum(2).mean([1]) + noise;
        return risk.data<double>().ToArray();
    }
}
