using System.Globalization;
using LayerLab.Tests.Unit.Studies;
using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.WidthVsDepth;
using LayerLab.Training.Experiments.XorPrelu;

namespace LayerLab.Tests.Unit.Experiments;

/// <summary>
/// A single run's summary and verdict sentence (XorSummary, MinWidthSummary) and the exact xor-prelu reference, on
/// hand-made outcomes: no training, so they run in milliseconds and can be mutation-tested. Each verdict is pinned
/// whole (Golden/run-verdicts.json) with the numbers it quotes; the band rule is tested at its edges (a tie with
/// either baseline is not "strictly wider", one grid point is a band of 0 decades).
/// </summary>
public sealed class RunVerdictTextTests
{
    private static readonly double[] Lrs = [0.001, 0.01, 0.1, 1];
    private const int Trials = 2;

    /// <summary>An outcome where <paramref name="solved"/>(model, lr index, trial) says whether that trial succeeded;
    /// loss 0.01 (NaN where <paramref name="diverged"/>), PReLU parameters at the exact solution plus 0.1·trial.</summary>
    private static XorOutcome Outcome(Func<XorModel, int, int, bool> solved, Func<XorModel, int, int, bool>? diverged = null, float offset = 0.1f)
    {
        var rows = Lrs.Length * Trials;
        var (correct, loss, theta) = (new bool[rows * 4], new float[rows * 4], new float[rows * 7]);
        for (var li = 0; li < Lrs.Length; li++)
        for (var t = 0; t < Trials; t++)
        {
            var row = (li * Trials) + t;
            foreach (var model in XorModels.All)
            {
                correct[(row * 4) + (int)model] = solved(model, li, t);
                loss[(row * 4) + (int)model] = diverged?.Invoke(model, li, t) == true ? float.NaN : 0.01f * (li + 1);
            }
            // ±1 coding's exact solution w = (½, −½), a = −1; prelu_bias also b = 0. Off by offset·(trial + li).
            var off = offset * (t + li);
            float[] p = [0.5f + off, -0.5f, -1, 0.5f, -0.5f + (2 * off), 0, -1]; // prelu_bias twice as far
            p.CopyTo(theta, row * 7);
        }
        return new XorOutcome(Lrs, Trials, correct, loss, theta);
    }

    private static Func<XorModel, int, int, bool> Bands(int prelu, int mlp, int gcu) => (model, li, _) => model switch
    {
        XorModel.Prelu => li < prelu,
        XorModel.Mlp => li >= Lrs.Length - mlp,
        XorModel.Gcu => li >= 1 && li < 1 + gcu,
        _ => true,
    };

    private static readonly XorPreluSettings Pm1 = XorPreluSettings.Default;
    private static readonly XorPreluSettings ZeroOne = XorPreluSettings.Default with { Coding = InputCoding.ZeroOne };

    public static TheoryData<string> XorScenarios()
    {
        var data = new TheoryData<string>();
        foreach (var name in XorCases.Keys) data.Add(name);
        return data;
    }

    private static readonly Dictionary<string, (XorPreluSettings Settings, Func<XorModel, int, int, bool> Solved)> XorCases = new()
    {
        ["strictly-wider"] = (Pm1, Bands(3, 2, 1)),
        ["tie-with-mlp"] = (Pm1, Bands(2, 2, 1)),
        ["tie-with-gcu"] = (Pm1, Bands(2, 1, 2)),
        ["one-point-each"] = (Pm1, Bands(1, 1, 0)),
        ["one-decade-band"] = (Pm1, Bands(2, 0, 0)),
        ["prelu-never-01"] = (ZeroOne, Bands(0, 2, 1)),
        ["prelu-never-pm1"] = (Pm1, Bands(0, 2, 1)),
        ["one-trial-misses"] = (Pm1, (m, li, t) => m == XorModel.Prelu ? !(li == 1 && t == 1) : Bands(4, 1, 1)(m, li, t)),
    };

    [Theory]
    [MemberData(nameof(XorScenarios))]
    public void Xor_run_verdict_names_each_models_band(string scenario)
    {
        var (settings, solved) = XorCases[scenario];
        var (_, verdict) = XorSummary.Build(settings, Outcome(solved));
        GoldenText.Text("run-verdicts.json", $"xor-prelu/{scenario}", verdict);
    }

    [Fact]
    public void Xor_summary_rates_bands_losses_divergence_and_the_reference_distance_at_the_best_learning_rate()
    {
        // PReLU solves lr 0.01 and 0.1 in both trials and lr 1 in one; MLP diverges on lr 1's second trial.
        var outcome = Outcome((m, li, t) => m switch
        {
            XorModel.Prelu => li is 1 or 2 || (li == 3 && t == 0),
            XorModel.Mlp => li == 0,
            _ => false,
        }, diverged: (m, li, t) => m == XorModel.Mlp && li == 3 && t == 1);
        var (s, _) = XorSummary.Build(Pm1, outcome);
        Assert.Equal(0.5, s["success/prelu@lr=1"]);
        Assert.Equal(1, s["success/prelu@lr=0.01"]);
        Assert.Equal(0, s["success/prelu@lr=0.001"]);
        Assert.Equal(5.0 / 8, s["success/prelu"]);
        Assert.Equal((2.0, 1.0, 0.01, 0.1), (s["band_points/prelu"], s["band_decades/prelu"], s["band_lr_low/prelu"], s["band_lr_high/prelu"]));
        Assert.Equal((1.0, 0.0), (s["band_points/mlp"], s["band_decades/mlp"]));
        Assert.Equal(0.0, s["band_points/gcu"]);
        Assert.False(s.ContainsKey("band_lr_low/gcu"));
        Assert.Equal(0.025, s["loss/prelu"], 6);                 // mean of 0.01, 0.02, 0.03, 0.04 over both trials
        Assert.Equal(((2 * (0.01 + 0.02 + 0.03)) + 0.04) / 7, s["loss/mlp"], 6); // the NaN trial is left out
        Assert.Equal((0.0, 1.0 / 8), (s["diverged/prelu"], s["diverged/mlp"]));
        // Best rate for PReLU: lr 0.01 and 0.1 both at 100%; the tie goes to the smaller median distance (lr 0.01:
        // offsets 0.1 and 0.2 → median 0.15; lr 0.1: 0.2 and 0.3 → 0.25).
        Assert.Equal((0.15, 0.01), (s["ref_distance/prelu"], s["ref_distance_lr/prelu"]), new ToleranceComparer(1e-6));
        // PReLU with bias solves nothing: the best rate is 0 everywhere, so the smallest median distance wins (lr 0.001:
        // offsets 0 and 0.2 → 0.1; its own parameters, not PReLU's).
        Assert.Equal((0.1, 0.001), (s["ref_distance/prelu_bias"], s["ref_distance_lr/prelu_bias"]), new ToleranceComparer(1e-6));
    }

    [Fact]
    public void A_model_whose_every_trial_diverged_has_no_mean_loss_and_equal_bands_keep_the_first()
    {
        var (s, _) = XorSummary.Build(Pm1, Outcome((_, _, _) => false, diverged: (m, _, _) => m == XorModel.Gcu));
        Assert.False(s.ContainsKey("loss/gcu"));
        Assert.Equal(1.0, s["diverged/gcu"]);
        // Two bands of one point each: the first (lower learning rate) is reported.
        Assert.Equal(new SuccessBand(1, 0.001, 0.001), SuccessBand.Longest([0.001, 0.01, 0.1], [true, false, true]));
    }

    [Fact]
    public void Xor_reference_distance_is_omitted_when_every_trial_diverged_to_a_non_finite_parameter()
    {
        var (s, _) = XorSummary.Build(Pm1, Outcome((_, _, _) => false, offset: float.NaN));
        Assert.False(s.ContainsKey("ref_distance/prelu"));
        Assert.False(s.ContainsKey("ref_distance_lr/prelu"));
    }

    [Fact]
    public void Learning_rate_labels_use_three_digits_unless_two_would_collide()
    {
        Assert.Equal(["0.001", "0.00316", "1"], XorSummary.LearningRateLabels([0.001, 0.0031622776601683794, 1]));
        Assert.Equal(["0.1", "0.1001", "0.1002"], XorSummary.LearningRateLabels([0.1, 0.1001, 0.1002]));
        Assert.Equal(["0.1", "0.1"], XorSummary.LearningRateLabels([0.1, 0.1])); // equal values: the round-trip form
    }

    [Theory]
    [InlineData(1, -1, -1, InputCoding.ZeroOne, 0)]
    [InlineData(-1, 1, -1, InputCoding.ZeroOne, 0)]
    [InlineData(0.5, -0.5, -1, InputCoding.PlusMinusOne, 0)]
    [InlineData(-0.5, 0.5, -1, InputCoding.PlusMinusOne, 0)]
    [InlineData(1, -1, 0, InputCoding.ZeroOne, 1)]             // slope off by 1
    [InlineData(1.3, -1.4, -1, InputCoding.ZeroOne, 0.5)]      // (0.3, −0.4) off the nearer solution
    [InlineData(0.8, -0.6, -1, InputCoding.PlusMinusOne, 0.316227766)] // (0.3, −0.1)
    [InlineData(-0.8, 0.6, -1, InputCoding.PlusMinusOne, 0.316227766)] // the mirror
    public void Prelu_distance_is_to_the_nearer_exact_solution(double w1, double w2, double slope, InputCoding coding, double expected)
    {
        Assert.Equal(expected, XorReference.PreluDistance(w1, w2, slope, coding), 8);
        Assert.Equal(Math.Sqrt((expected * expected) + 0.25), XorReference.PreluBiasDistance(w1, w2, 0.5, slope, coding), 8);
    }

    [Theory]
    [InlineData(0, 1, InputCoding.ZeroOne, 1)]
    [InlineData(1, 0, InputCoding.ZeroOne, 1)]
    [InlineData(1, 1, InputCoding.ZeroOne, 0)]
    [InlineData(-1, 1, InputCoding.PlusMinusOne, 1)]
    [InlineData(1, -1, InputCoding.PlusMinusOne, 1)]
    [InlineData(-1, -1, InputCoding.PlusMinusOne, 0)]
    [InlineData(0, 0.5, InputCoding.ZeroOne, 0.5)] // off the grid: the slope multiplies (−1 · −0.5), it does not divide
    public void Exact_output_is_xor_in_both_codings(double x1, double x2, InputCoding coding, double expected)
    {
        Assert.Equal(expected, XorReference.ExactOutput(x1, x2, coding));
        Assert.Equal((1.0, 0.5, -1.0), (XorReference.ExactWeight(InputCoding.ZeroOne), XorReference.ExactWeight(InputCoding.PlusMinusOne), XorReference.ExactSlope));
    }

    private static readonly WidthVsDepthSettings Grid4 = WidthVsDepthSettings.Default with { MaxWidth = 3, MaxDepth = 3, Grid = 4 };

    [Fact]
    public void Min_width_summary_keys_bests_plateau_ratio_parameters_and_verdict()
    {
        WidthDepthResult[] results =
        [
            new(1, 1, 0.30, 0.25, 5), new(1, 2, 0.20, 0.2, 7), new(1, 3, 0.21, 0.22, 9),
            new(3, 1, 0.05, 0.04, 13), new(3, 2, 0.01, 0.02, 25), new(3, 3, 0.02, 0.03, 37),
        ];
        var (s, verdict) = MinWidthSummary.Build(Grid4, results);
        var variance = s["variance"];
        Assert.Equal((0.25, 0.2, 0.2), (s["test_mse/w1/d1"], s["train_mse/w1/d2"], s["test_mse/w1/d2"]));
        Assert.Equal((0.2, 0.02), (s["best_test_mse/w1"], s["best_test_mse/widest"]));
        Assert.Equal(0.2 / 0.25, s["plateau_ratio/w1"], 12);
        Assert.Equal(37, s[RunResult.ParameterCountKey]);
        Assert.Equal(string.Create(CultureInfo.InvariantCulture,
            $"Width 1: test MSE 0.2500 at depth 1, best 0.2000 over depths 1–3 (variance {variance:0.0000}); width 3: best 0.0200. The claim is judged across seeds by the study min-width-plateau."), verdict);
        GoldenText.Text("run-verdicts.json", "width-vs-depth/verdict", verdict);
        // One depth only: no plateau ratio.
        Assert.False(MinWidthSummary.Build(Grid4, [new(1, 1, 0.3, 0.25, 5), new(3, 1, 0.1, 0.1, 13)]).Summary.ContainsKey("plateau_ratio/w1"));
        Assert.Equal("test_mse/w2/d5", MinWidthSummary.CellKey("test_mse", 2, 5));
    }

    [Fact]
    public void Min_width_references_are_the_variance_and_the_exact_fit_per_width()
    {
        var references = MinWidthSummary.References(Grid4);
        var variance = MinWidthSummary.Build(Grid4, [new(1, 1, 0, 0.1, 1), new(3, 1, 0, 0.1, 1)]).Summary["variance"];
        Assert.Equal(
        [
            ("best_test_mse/w1", "predict the mean (variance of f)", variance),
            ("best_test_mse/widest", "exact fit", 0),
            ("best_test_mse/widest", "predict the mean (variance of f)", variance),
            ("test_mse/w1", "predict the mean (variance of f)", variance), ("test_mse/w1", "exact fit", 0),
            ("test_mse/w2", "predict the mean (variance of f)", variance), ("test_mse/w2", "exact fit", 0),
            ("test_mse/w3", "predict the mean (variance of f)", variance), ("test_mse/w3", "exact fit", 0),
        ], references.Select(r => (r.MetricKey, r.Label, r.Value)));
        Assert.InRange(variance, 0.2, 0.3); // sin 2πx₁ · sin 2πx₂ on a lattice: ¼
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<(double, double)>
    {
        public bool Equals((double, double) a, (double, double) b) => Math.Abs(a.Item1 - b.Item1) <= tolerance && Math.Abs(a.Item2 - b.Item2) <= tolerance;
        public int GetHashCode((double, double) obj) => 0;
    }
}
