namespace LayerLab.Training.Experiments.IclLinReg;

/// <summary>
/// The exact in-context baselines, in double precision on plain arrays: gradient descent on the prompt's own least
/// squares loss L(w) = (1/2N)‖Xw − y‖² from w = 0 (one step: ŵ = (η/N)Xᵀy), preconditioned one-step GD
/// ŵ = (1/N)ΓXᵀy, min-norm least squares, ridge and the zero predictor. Every prediction is x_qᵀŵ.
/// </summary>
public static class IclReference
{
    /// <summary>One GD step from w = 0 with step η: ŷ = (η/N) Σᵢ yᵢ xᵢᵀx_q.</summary>
    public static double[] GdOneStep(IclPrompts prompts, double eta)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var pred = new double[prompts.Count];
        for (var b = 0; b < prompts.Count; b++)
        {
            var xq = prompts.Query(b);
            var s = 0.0;
            for (var i = 0; i < prompts.Context; i++) s += prompts.Y[(b * prompts.Context) + i] * IclTask.Dot(prompts.Xi(b, i), xq);
            pred[b] = eta * s / prompts.Context;
        }
        return pred;
    }

    /// <summary>One preconditioned GD step with a diagonal Γ: ŷ = (1/N) x_qᵀ Γ Σᵢ yᵢ xᵢ.</summary>
    public static double[] PreconditionedStep(IclPrompts prompts, IReadOnlyList<double> gammaDiagonal)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(gammaDiagonal);
        var (n, d) = (prompts.Context, prompts.Dim);
        var pred = new double[prompts.Count];
        for (var b = 0; b < prompts.Count; b++)
        {
            var xq = prompts.Query(b);
            var s = 0.0;
            for (var i = 0; i < n; i++)
            {
                var x = prompts.Xi(b, i);
                var dot = 0.0;
                for (var k = 0; k < d; k++) dot += x[k] * gammaDiagonal[k] * xq[k];
                s += prompts.Y[(b * n) + i] * dot;
            }
            pred[b] = s / n;
        }
        return pred;
    }

    /// <summary>
    /// The step that minimises the sample's ½MSE of one GD step. The one-step prediction is linear in η
    /// (ŷ = η·ŷ₁), so the loss is a quadratic in η with its minimum at η* = Σ ŷ₁y_q / Σ ŷ₁².
    /// </summary>
    public static double OptimalEta(IclPrompts prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var unit = GdOneStep(prompts, 1);
        double num = 0, den = 0;
        for (var b = 0; b < unit.Length; b++) { num += unit[b] * prompts.Yq[b]; den += unit[b] * unit[b]; }
        return den > 0 ? num / den : 0;
    }

    /// <summary>
    /// Population optimum of one GD step for isotropic x with per-coordinate variance v and fourth moment μ₄
    /// (w ~ N(0, I), noise σ²): η* = N·v / ((N + d − 2)·v² + μ₄ + σ²·v). Derivation: with s = (1/N)Xᵀy,
    /// E[ŷ₁y_q] = v²d and E[ŷ₁²] = v·E‖s‖² = v·(d/N)·((N + d − 2)v² + μ₄ + σ²v). For Gaussian x (μ₄ = 3v², v = 1)
    /// this is N/(N + d + 1 + σ²). Null for the anisotropic variant.
    /// </summary>
    public static double? ClosedFormEta(IclTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var (v, mu4) = task.Kind switch
        {
            IclDataKind.VonOswald => (1.0 / 12, 1.0 / 80),
            IclDataKind.Gaussian => (1.0, 3.0),
            _ => (double.NaN, double.NaN),
        };
        if (double.IsNaN(v)) return null;
        var (n, d, s2) = (task.Context, task.Dim, task.NoiseStd * task.NoiseStd);
        return n * v / (((n + d - 2) * v * v) + mu4 + (s2 * v));
    }

    /// <summary>
    /// The best preconditioner Γ of one step ŷ = (1/N)x_qᵀΓXᵀy for Gaussian x ~ N(0, Σ), w ~ N(0, I), noise σ²,
    /// in closed form (Ahn et al. 2306.00297, Mahankali et al. 2307.03576). Minimising
    /// E(ŷ − y_q)² = const − 2tr(ΣΓΣ) + tr(ΓᵀΣΓS) with S = E[ssᵀ] = ((N+1)/N)Σ² + ((trΣ + σ²)/N)Σ (Wishart fourth
    /// moment) gives ΣΓS = Σ², so Γ* = N·((N + 1)Σ + (trΣ + σ²)I)⁻¹ — diagonal here since Σ is. It is the global
    /// optimum of a 1-layer linear self-attention read from the query's y (the terms of that model even in y cannot
    /// correlate with y_q), so it is the reference the trained layer should match. For Σ = I it is η*·I.
    /// Null for the uniform variant (its optimum is η*·I by the symmetry of the cube).
    /// </summary>
    public static double[]? ClosedFormGamma(IclTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (task.Kind == IclDataKind.VonOswald) return null;
        var variances = task.Variances();
        var trace = variances.Sum();
        var n = task.Context;
        return variances.Select(l => n / (((n + 1) * l) + trace + (task.NoiseStd * task.NoiseStd))).ToArray();
    }

    /// <summary>L steps of GD on (1/2N)‖Xw − y‖² from w = 0 with a constant step η: w ← w + (η/N)Xᵀ(y − Xw).</summary>
    public static double[] GdSteps(IclPrompts prompts, double eta, int steps)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var (n, d) = (prompts.Context, prompts.Dim);
        var pred = new double[prompts.Count];
        var w = new double[d];
        var grad = new double[d];
        for (var b = 0; b < prompts.Count; b++)
        {
            Array.Clear(w);
            for (var t = 0; t < steps; t++)
            {
                Array.Clear(grad);
                for (var i = 0; i < n; i++)
                {
                    var x = prompts.Xi(b, i);
                    var r = prompts.Y[(b * n) + i] - IclTask.Dot(w, x);
                    for (var k = 0; k < d; k++) grad[k] += r * x[k];
                }
                for (var k = 0; k < d; k++) w[k] += eta * grad[k] / n;
            }
            pred[b] = IclTask.Dot(w, prompts.Query(b));
        }
        return pred;
    }

    /// <summary>
    /// The constant step that minimises the sample's ½MSE of <paramref name="steps"/> GD steps: a scan of 64 points
    /// over (0, 2·<paramref name="etaOneStep"/>], then golden-section search around the best point.
    /// </summary>
    public static double OptimalEtaForSteps(IclPrompts prompts, int steps, double etaOneStep)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (steps == 1) return OptimalEta(prompts);
        double Loss(double eta) => HalfMse(GdSteps(prompts, eta, steps), prompts.Yq);
        const int points = 64;
        var hi = 2 * etaOneStep;
        var (best, bestLoss) = (0, double.PositiveInfinity);
        for (var i = 1; i <= points; i++)
        {
            var l = Loss(hi * i / points);
            if (l < bestLoss) (best, bestLoss) = (i, l);
        }
        var (a, c) = (hi * Math.Max(0, best - 1) / points, hi * (best + 1) / points);
        var g = (Math.Sqrt(5) - 1) / 2;
        var (x1, x2) = (c - (g * (c - a)), a + (g * (c - a)));
        var (f1, f2) = (Loss(x1), Loss(x2));
        for (var it = 0; it < 40; it++)
        {
            if (f1 < f2) { c = x2; x2 = x1; f2 = f1; x1 = c - (g * (c - a)); f1 = Loss(x1); }
            else { a = x1; x1 = x2; f1 = f2; x2 = a + (g * (c - a)); f2 = Loss(x2); }
        }
        return (a + c) / 2;
    }

    /// <summary>
    /// Per prompt ŵ = argmin ‖Xw − y‖² + λ‖w‖². λ = 0 is min-norm least squares (OLS): (XᵀX)⁻¹Xᵀy when N ≥ d,
    /// Xᵀ(XXᵀ)⁻¹y when N &lt; d. With λ = σ² and w ~ N(0, I) ridge is the Bayes posterior mean (optimal).
    /// </summary>
    public static double[] Ridge(IclPrompts prompts, double lambda)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var (n, d) = (prompts.Context, prompts.Dim);
        var pred = new double[prompts.Count];
        var dual = lambda == 0 && n < d;                 // min-norm: solve in the N×N space
        var m = dual ? n : d;
        var a = new double[m, m];
        var rhs = new double[m];
        for (var b = 0; b < prompts.Count; b++)
        {
            Array.Clear(a);
            Array.Clear(rhs);
            if (dual)
            {
                for (var i = 0; i < n; i++)
                {
                    rhs[i] = prompts.Y[(b * n) + i];
                    for (var j = 0; j < n; j++) a[i, j] = IclTask.Dot(prompts.Xi(b, i), prompts.Xi(b, j));
                }
                var alpha = Solve(a, rhs);
                var s = 0.0;
                for (var i = 0; i < n; i++) s += alpha[i] * IclTask.Dot(prompts.Xi(b, i), prompts.Query(b));
                pred[b] = s;
            }
            else
            {
                for (var i = 0; i < n; i++)
                {
                    var x = prompts.Xi(b, i);
                    var y = prompts.Y[(b * n) + i];
                    for (var k = 0; k < d; k++)
                    {
                        rhs[k] += x[k] * y;
                        for (var l = 0; l < d; l++) a[k, l] += x[k] * x[l];
                    }
                }
                for (var k = 0; k < d; k++) a[k, k] += lambda;
                pred[b] = IclTask.Dot(Solve(a, rhs), prompts.Query(b));
            }
        }
        return pred;
    }

    /// <summary>Solves A·x = b by Gaussian elimination with partial pivoting (A and b are overwritten).</summary>
    internal static double[] Solve(double[,] a, double[] b)
    {
        var m = b.Length;
        for (var c = 0; c < m; c++)
        {
            var p = c;
            for (var r = c + 1; r < m; r++) if (Math.Abs(a[r, c]) > Math.Abs(a[p, c])) p = r;
            if (p != c)
            {
                for (var k = 0; k < m; k++) (a[c, k], a[p, k]) = (a[p, k], a[c, k]);
                (b[c], b[p]) = (b[p], b[c]);
            }
            var pivot = a[c, c];
            if (pivot == 0) continue;                    // singular direction: leave it at 0 below
            for (var r = c + 1; r < m; r++)
            {
                var f = a[r, c] / pivot;
                if (f == 0) continue;
                for (var k = c; k < m; k++) a[r, k] -= f * a[c, k];
                b[r] -= f * b[c];
            }
        }
        var x = new double[m];
        for (var r = m - 1; r >= 0; r--)
        {
            var s = b[r];
            for (var k = r + 1; k < m; k++) s -= a[r, k] * x[k];
            x[r] = a[r, r] == 0 ? 0 : s / a[r, r];
        }
        return x;
    }

    /// <summary>½·mean((p − y)²).</summary>
    public static double HalfMse(IReadOnlyList<double> prediction, IReadOnlyList<double> target)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(target);
        var s = 0.0;
        for (var i = 0; i < target.Count; i++) { var e = prediction[i] - target[i]; s += e * e; }
        return s / (2 * target.Count);
    }

    /// <summary>Cosine similarity of two vectors (0 when either is zero).</summary>
    public static double Cosine(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        double ab = 0, aa = 0, bb = 0;
        for (var i = 0; i < a.Count; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
        return aa > 0 && bb > 0 ? ab / Math.Sqrt(aa * bb) : 0;
    }
}

/// <summary>Every baseline of one run, evaluated on the run's test set, with the steps tuned on a fresh sample.</summary>
public sealed record IclBaselines(
    double Eta,
    double? EtaClosedForm,
    double Gd1Loss,
    double[] Gd1Prediction,
    double[]? GammaDiagonal,
    double? PreconditionedLoss,
    double[]? PreconditionedPrediction,
    double OlsLoss,
    double RidgeLoss,
    double ZeroLoss,
    int Layers,
    double? EtaLayers,
    double? GdLayersLoss,
    double[]? GdLayersPrediction)
{
    /// <summary>What the trained 1-layer model should match: the preconditioned step where x is anisotropic, else GD*.</summary>
    public bool TargetIsPreconditioned => PreconditionedPrediction is not null && GammaDiagonal is not null && IsAnisotropic;

    public bool IsAnisotropic { get; init; }

    public double TargetLoss => TargetIsPreconditioned ? PreconditionedLoss!.Value : Gd1Loss;
    public double[] TargetPrediction => TargetIsPreconditioned ? PreconditionedPrediction! : Gd1Prediction;

    public static IclBaselines Compute(IclTask task, IclPrompts test, IclPrompts sample, int layers)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(sample);
        var eta = IclReference.OptimalEta(sample);
        var gd1 = IclReference.GdOneStep(test, eta);
        var gamma = IclReference.ClosedFormGamma(task);
        var pre = gamma is null ? null : IclReference.PreconditionedStep(test, gamma);
        var ols = IclReference.Ridge(test, 0);
        var noiseVar = task.NoiseStd * task.NoiseStd;
        var ridge = noiseVar > 0 ? IclReference.Ridge(test, noiseVar) : ols;
        double? etaL = null, lossL = null;
        double[]? predL = null;
        if (layers > 1)
        {
            etaL = IclReference.OptimalEtaForSteps(sample, layers, eta);
            predL = IclReference.GdSteps(test, etaL.Value, layers);
            lossL = IclReference.HalfMse(predL, test.Yq);
        }
        return new IclBaselines(
            eta, IclReference.ClosedFormEta(task), IclReference.HalfMse(gd1, test.Yq), gd1,
            gamma, pre is null ? null : IclReference.HalfMse(pre, test.Yq), pre,
            IclReference.HalfMse(ols, test.Yq), IclReference.HalfMse(ridge, test.Yq),
            IclReference.HalfMse(new double[test.Count], test.Yq), layers, etaL, lossL, predL)
        { IsAnisotropic = task.Kind == IclDataKind.Anisotropic };
    }
}
