using LayerLab.Training.Experiments.IclLinReg;

namespace LayerLab.Tests.Unit.Experiments;

/// <summary>icl-linreg's reference math at its edges, on hand-made prompts with answers worked out by hand: ridge
/// with λ &gt; 0, min-norm with a repeated context point (a singular Gram matrix), the step of zero predictions, the
/// closed forms off their tested corners, the L-step search's precision, the baselines' wiring, argument checks.</summary>
public sealed class IclReferenceEdgeTests
{
    /// <summary>One prompt per (x rows, y, x_q, y_q); d = x_q's length.</summary>
    private static IclPrompts Prompt(double[][] x, double[] y, double[] xq, double yq)
    {
        var p = new IclPrompts(1, x.Length, xq.Length);
        x.SelectMany(r => r).ToArray().CopyTo(p.X, 0);
        y.CopyTo(p.Y, 0);
        xq.CopyTo(p.Xq, 0);
        p.Yq[0] = yq;
        return p;
    }

    /// <summary>The prompt of <see cref="IclLinRegReferenceTests"/>: d = 2, N = 3, Σ yᵢxᵢ = (5, 0), x_q = (2, −1), y_q = 5.</summary>
    private static IclPrompts HandMade() => Prompt([[1, 0], [0, 2], [1, 1]], [3, -1, 2], [2, -1], 5);

    [Fact]
    public void Ridge_with_lambda_one_solves_the_regularised_normal_equations_by_hand()
    {
        // XᵀX = [[2, 1], [1, 5]], Xᵀy = (5, 0); + I: [[3, 1], [1, 6]] w = (5, 0) → w = (30, −5)/17; x_q·w = 65/17.
        Assert.Equal(65.0 / 17, IclReference.Ridge(HandMade(), 1)[0], 12);
        // λ = 0 with N ≥ d is OLS: [[2, 1], [1, 5]] w = (5, 0) → w = (25, −5)/9; x_q·w = 55/9.
        Assert.Equal(55.0 / 9, IclReference.Ridge(HandMade(), 0)[0], 12);
    }

    [Fact]
    public void Min_norm_interpolation_below_d_solves_in_the_gram_space_by_hand()
    {
        // x₁ = (1, 1, 0), x₂ = (0, 1, 1), y = (1, 2): XXᵀ = [[2, 1], [1, 2]], α = (0, 1), w = Xᵀα = (0, 1, 1); x_q = (1, 2, 3) → 5.
        Assert.Equal(5.0, IclReference.Ridge(Prompt([[1, 1, 0], [0, 1, 1]], [1, 2], [1, 2, 3], 0), 0)[0], 12);
        // N = d = 2 is not below d: the primal solve, w = X⁻¹y exactly.
        Assert.Equal(2.0 + 6, IclReference.Ridge(Prompt([[1, 0], [0, 1]], [2, 3], [1, 2], 0), 0)[0], 12);
    }

    [Fact]
    public void Min_norm_with_a_repeated_context_point_leaves_the_singular_direction_at_zero()
    {
        // The same point twice: XXᵀ = [[2, 2], [2, 2]] is singular; the min-norm w that fits y = 2 at x = (1, 1, 0) is
        // x·2/‖x‖² = (1, 1, 0), so x_q = (1, 2, 3) gives 3 (a zero pivot must be skipped, not divided by).
        var p = Prompt([[1, 1, 0], [1, 1, 0]], [2, 2], [1, 2, 3], 3);
        Assert.Equal(3.0, IclReference.Ridge(p, 0)[0], 12);
        Assert.Equal(0.0, IclReference.HalfMse(IclReference.Ridge(p, 0), p.Yq), 12);
    }

    [Fact]
    public void Min_norm_skips_a_zero_pivot_before_the_last_column()
    {
        // x₁ = x₂ = (1, 1, 0, 0), x₃ = (0, 0, 1, 0), y = (2, 2, 5): XXᵀ = [[2, 2, 0], [2, 2, 0], [0, 0, 1]] has its zero
        // pivot in the middle column, with a row below it. Min-norm w = (1, 1, 5, 0); x_q = (1, 2, 3, 4) → 18.
        var p = Prompt([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0]], [2, 2, 5], [1, 2, 3, 4], 18);
        Assert.Equal(18.0, IclReference.Ridge(p, 0)[0], 12);
    }

    [Fact]
    public void Preconditioner_scales_each_coordinate_by_hand()
    {
        // Σ yᵢxᵢ = 3·(1, 0) + 1·(0, 2) + 2·(1, 1) = (5, 4); Γ = diag(2, 3), x_q = (2, −1): (2·2·5 − 3·4)/3 = 8/3.
        var p = Prompt([[1, 0], [0, 2], [1, 1]], [3, 1, 2], [2, -1], 0);
        Assert.Equal(8.0 / 3, IclReference.PreconditionedStep(p, [2, 3])[0], 12);
    }

    [Fact]
    public void Gd_steps_start_every_prompt_from_zero()
    {
        // Two prompts in one batch predict what each predicts alone (w is reset per prompt).
        var (a, b) = (HandMade(), Prompt([[0, 1], [2, 0], [1, -1]], [1, 4, -2], [1, 3], 0));
        var both = new IclPrompts(2, 3, 2);
        a.X.Concat(b.X).ToArray().CopyTo(both.X, 0);
        a.Y.Concat(b.Y).ToArray().CopyTo(both.Y, 0);
        a.Xq.Concat(b.Xq).ToArray().CopyTo(both.Xq, 0);
        Assert.Equal([IclReference.GdSteps(a, 0.3, 3)[0], IclReference.GdSteps(b, 0.3, 3)[0]], IclReference.GdSteps(both, 0.3, 3));
        Assert.Equal([IclReference.Ridge(a, 0.5)[0], IclReference.Ridge(b, 0.5)[0]], IclReference.Ridge(both, 0.5));
    }

    [Fact]
    public void Optimal_eta_is_the_least_squares_scale_and_zero_when_every_step_predicts_zero()
    {
        // One step with η = 1 predicts 10/3; y_q = 5 → η* = (10/3 · 5)/(10/3)² = 1.5.
        Assert.Equal(1.5, IclReference.OptimalEta(HandMade()), 12);
        // y = 0 everywhere: one step predicts 0 whatever η, so there is no scale to fit (0, not 0/0).
        Assert.Equal(0.0, IclReference.OptimalEta(Prompt([[1, 0], [0, 2]], [0, 0], [1, 1], 4)));
        Assert.Equal(IclReference.OptimalEta(HandMade()), IclReference.OptimalEtaForSteps(HandMade(), 1, 123));
    }

    [Fact]
    public void Closed_forms_off_the_isotropic_noiseless_corner()
    {
        // Uniform x (v = 1/12, μ₄ = 1/80) with noise σ = 0.5: η* = N v / ((N + d − 2)v² + μ₄ + σ² v), N = 8, d = 5.
        var uniform = new IclTask(IclDataKind.VonOswald, 5, 8, 0.5);
        Assert.Equal(8.0 / 12 / ((11.0 / 144) + (1.0 / 80) + (0.25 / 12)), IclReference.ClosedFormEta(uniform)!.Value, 12);
        Assert.Null(IclReference.ClosedFormGamma(uniform));
        // Anisotropic: no closed-form η, Γ*ᵢ = N / ((N + 1)λᵢ + tr Σ + σ²) with λ = 10^−½, 1, 10^½.
        var aniso = new IclTask(IclDataKind.Anisotropic, 3, 4, 0.5);
        Assert.Null(IclReference.ClosedFormEta(aniso));
        double[] l = [Math.Pow(10, -0.5), 1, Math.Pow(10, 0.5)];
        var trace = l.Sum();
        Assert.Equal(l.Select(li => 4 / ((5 * li) + trace + 0.25)), IclReference.ClosedFormGamma(aniso)!, new Tolerance(1e-12));
    }

    [Fact]
    public void Step_for_several_layers_is_a_local_minimum_to_one_part_in_ten_thousand()
    {
        var task = new IclTask(IclDataKind.Anisotropic, 4, 6, 0.1);
        var sample = task.Sample(500, new IclRandom(4, 3));
        var one = IclReference.OptimalEta(sample);
        var eta = IclReference.OptimalEtaForSteps(sample, 3, one);
        double L(double e) => IclReference.HalfMse(IclReference.GdSteps(sample, e, 3), sample.Yq);
        Assert.True(L(eta) < L(eta * 1.0001) && L(eta) < L(eta * 0.9999), $"η = {eta}");
        // And the global one on the searched range: no point of a fine scan of (0, 2η₁] does better.
        Assert.All(Enumerable.Range(1, 400).Select(i => 2 * one * i / 400), e => Assert.True(L(eta) <= L(e)));
    }

    [Theory]
    [InlineData(IclDataKind.Anisotropic, 0.3, 2)]
    [InlineData(IclDataKind.Gaussian, 0.0, 1)]
    [InlineData(IclDataKind.VonOswald, 0.2, 3)]
    public void Baselines_are_each_reference_on_the_test_prompts_with_steps_tuned_on_the_sample(IclDataKind kind, double noise, int layers)
    {
        var task = new IclTask(kind, 3, 5, noise);
        var test = task.Sample(50, new IclRandom(8, 1));
        var sample = task.Sample(50, new IclRandom(8, 2));
        var b = IclBaselines.Compute(task, test, sample, layers);
        var eta = IclReference.OptimalEta(sample);
        Assert.Equal(eta, b.Eta);
        Assert.Equal(IclReference.ClosedFormEta(task), b.EtaClosedForm);
        Assert.Equal(IclReference.GdOneStep(test, eta), b.Gd1Prediction);
        Assert.Equal(IclReference.HalfMse(b.Gd1Prediction, test.Yq), b.Gd1Loss);
        Assert.Equal(IclReference.HalfMse(IclReference.Ridge(test, 0), test.Yq), b.OlsLoss);
        Assert.Equal(IclReference.HalfMse(IclReference.Ridge(test, noise * noise), test.Yq), b.RidgeLoss);
        Assert.Equal(IclReference.HalfMse(new double[test.Count], test.Yq), b.ZeroLoss);
        Assert.Equal(layers, b.Layers);
        var anisotropic = kind == IclDataKind.Anisotropic;
        Assert.Equal(anisotropic, b.IsAnisotropic);
        Assert.Equal(anisotropic, b.TargetIsPreconditioned);
        if (kind == IclDataKind.VonOswald) Assert.Null(b.GammaDiagonal);
        else
        {
            Assert.Equal(IclReference.ClosedFormGamma(task), b.GammaDiagonal);
            Assert.Equal(IclReference.PreconditionedStep(test, b.GammaDiagonal!), b.PreconditionedPrediction);
            Assert.Equal(IclReference.HalfMse(b.PreconditionedPrediction!, test.Yq), b.PreconditionedLoss);
        }
        Assert.Equal(anisotropic ? b.PreconditionedLoss!.Value : b.Gd1Loss, b.TargetLoss);
        Assert.Same(anisotropic ? b.PreconditionedPrediction : b.Gd1Prediction, b.TargetPrediction);
        if (layers == 1) Assert.Equal((null, null, null), (b.EtaLayers, b.GdLayersLoss, b.GdLayersPrediction));
        else
        {
            Assert.Equal(IclReference.OptimalEtaForSteps(sample, layers, eta), b.EtaLayers);
            Assert.Equal(IclReference.GdSteps(test, b.EtaLayers!.Value, layers), b.GdLayersPrediction);
            Assert.Equal(IclReference.HalfMse(b.GdLayersPrediction!, test.Yq), b.GdLayersLoss);
        }
    }

    [Fact]
    public void Half_mse_and_cosine_by_hand()
    {
        Assert.Equal((1 + 4) / 4.0, IclReference.HalfMse([1, 2], [0, 0]), 12);
        Assert.Equal(24.0 / 25, IclReference.Cosine([3, 4], [4, 3]), 12);
        Assert.Equal(-1.0, IclReference.Cosine([1, 2], [-2, -4]), 12);
        Assert.Equal(0.0, IclReference.Cosine([1, 0], [0, 0]));
        Assert.Equal(0.0, IclReference.Cosine([0, 0], [1, 0]));
    }

    [Fact]
    public void Null_arguments_throw_argument_null_with_their_names()
    {
        var p = HandMade();
        var task = new IclTask(IclDataKind.Gaussian, 2, 3, 0);
        static string? Name(Action a) => Assert.Throws<ArgumentNullException>(a).ParamName;
        Assert.Equal("prompts", Name(() => IclReference.GdOneStep(null!, 1)));
        Assert.Equal("prompts", Name(() => IclReference.PreconditionedStep(null!, [1, 1])));
        Assert.Equal("gammaDiagonal", Name(() => IclReference.PreconditionedStep(p, null!)));
        Assert.Equal("prompts", Name(() => IclReference.OptimalEta(null!)));
        Assert.Equal("task", Name(() => IclReference.ClosedFormEta(null!)));
        Assert.Equal("task", Name(() => IclReference.ClosedFormGamma(null!)));
        Assert.Equal("prompts", Name(() => IclReference.GdSteps(null!, 1, 2)));
        Assert.Equal("prompts", Name(() => IclReference.OptimalEtaForSteps(null!, 2, 1)));
        Assert.Equal("prompts", Name(() => IclReference.Ridge(null!, 0)));
        Assert.Equal("prediction", Name(() => IclReference.HalfMse(null!, [1.0])));
        Assert.Equal("target", Name(() => IclReference.HalfMse([1.0], null!)));
        Assert.Equal("a", Name(() => IclReference.Cosine(null!, [1.0])));
        Assert.Equal("b", Name(() => IclReference.Cosine([1.0], null!)));
        Assert.Equal("task", Name(() => IclBaselines.Compute(null!, p, p, 1)));
        Assert.Equal("test", Name(() => IclBaselines.Compute(task, null!, p, 1)));
        Assert.Equal("sample", Name(() => IclBaselines.Compute(task, p, null!, 1)));
    }

    private sealed class Tolerance(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
