using LayerLab.Training.Experiments.WidthVsDepth;
using LayerLab.Training.Experiments.XorPrelu;

namespace LayerLab.Tests.Unit.Experiments;

/// <summary>xor-prelu's summary where <see cref="RunVerdictTextTests"/> (two trials per rate) cannot reach: three
/// trials (an odd median, distances handed over unsorted, one trial with a NaN parameter), the best rate's tie rules,
/// 3-digit learning-rate labels in the verdict, labels that differ only in the 17th digit, argument checks.</summary>
public sealed class XorSummaryEdgeTests
{
    /// <summary>One trial: PReLU solved or not, its w₁'s offset from the ±1 coding's exact (½, −½, −1) (so its
    /// distance is the offset), MLP solved or not. GCU and PReLU with bias never solve; losses 0.01.</summary>
    private readonly record struct Trial(bool Prelu, float Offset, bool Mlp = false);

    private static XorOutcome Outcome(double[] lrs, Trial[][] trials)
    {
        var (rows, n) = (lrs.Length * trials[0].Length, trials[0].Length);
        var (correct, loss, theta) = (new bool[rows * 4], new float[rows * 4], new float[rows * 7]);
        for (var li = 0; li < lrs.Length; li++)
        for (var t = 0; t < n; t++)
        {
            var (row, trial) = ((li * n) + t, trials[li][t]);
            correct[(row * 4) + (int)XorModel.Prelu] = trial.Prelu;
            correct[(row * 4) + (int)XorModel.Mlp] = trial.Mlp;
            for (var m = 0; m < 4; m++) loss[(row * 4) + m] = 0.01f;
            float[] p = [0.5f + trial.Offset, -0.5f, -1, 0.5f, -0.5f, 0, -1];
            p.CopyTo(theta, row * 7);
        }
        return new XorOutcome(lrs, n, correct, loss, theta);
    }

    [Fact]
    public void Reference_distance_is_the_middle_of_three_sorted_distances_with_a_nan_trial_counted_as_infinitely_far()
    {
        // Rate 1 at lr 0.001 only. Its distances arrive as 0.3, 0.1, NaN: sorted with NaN as +∞ the middle is 0.3
        // (unsorted it would be 0.1; NaN sorts first, which would also make it 0.1; the even-count rule, 0.2).
        var outcome = Outcome([0.001, 0.01],
        [
            [new(true, 0.3f), new(true, 0.1f), new(true, float.NaN)],
            [new(false, 0.2f), new(false, 0.2f), new(false, 0.2f)],
        ]);
        var (s, _) = XorSummary.Build(XorPreluSettings.Default, outcome);
        Assert.Equal(0.3, s["ref_distance/prelu"], 6);
        Assert.Equal(0.001, s["ref_distance_lr/prelu"]);
        Assert.Equal((1.0, 0.0, 3.0 / 6), (s["success/prelu@lr=0.001"], s["success/prelu@lr=0.01"], s["success/prelu"]));
    }

    [Fact]
    public void Best_rate_keeps_the_first_of_equal_rates_and_medians_and_a_lower_rate_never_wins_on_distance()
    {
        // lr 0.001 and 0.01: rate 1, median 0.2 both (the first is kept); lr 0.1: rate ⅔ with median 0.05 (closer,
        // but a lower success rate).
        var outcome = Outcome([0.001, 0.01, 0.1],
        [
            [new(true, 0.1f), new(true, 0.2f), new(true, 0.3f)],
            [new(true, 0.3f), new(true, 0.2f), new(true, 0.1f)],
            [new(true, 0.05f), new(false, 0.05f), new(true, 0.05f)],
        ]);
        var (s, _) = XorSummary.Build(XorPreluSettings.Default, outcome);
        Assert.Equal(0.2, s["ref_distance/prelu"], 6);
        Assert.Equal(0.001, s["ref_distance_lr/prelu"]);
        Assert.Equal(2.0 / 3, s["success/prelu@lr=0.1"], 12);
    }

    [Fact]
    public void Verdict_quotes_band_ends_to_three_significant_digits()
    {
        // PReLU: 0.001 and 10^−2.5 (half a decade); MLP: 10^−2.5 alone; GCU: nothing.
        var mid = Math.Pow(10, -2.5);
        var outcome = Outcome([0.001, mid, 0.01],
        [
            [new(true, 0), new(true, 0)],
            [new(true, 0, true), new(true, 0, true)],
            [new(false, 0), new(false, 0)],
        ]);
        var (s, verdict) = XorSummary.Build(XorPreluSettings.Default, outcome);
        Assert.Equal(
            "Reproduced: PReLU's 100% band (0.5 decades, lr 0.001–0.00316) is strictly wider than MLP (0 decades, only lr=0.00316) and GCU (no 100% point).",
            verdict);
        Assert.Equal(1.0, s["success/mlp@lr=0.00316"]);
    }

    [Fact]
    public void Labels_that_differ_only_in_the_seventeenth_digit_take_the_shortest_round_trip_form()
    {
        // 0.1 and the next double: equal to 16 digits; "G17" would print 0.10000000000000001 for the first.
        var next = Math.BitIncrement(0.1);
        Assert.Equal(["0.1", "0.10000000000000002"], XorSummary.LearningRateLabels([0.1, next]));
    }

    [Fact]
    public void Null_arguments_throw_argument_null_with_their_names()
    {
        var outcome = Outcome([0.1], [[new(true, 0)]]);
        static string? Name(Action a) => Assert.Throws<ArgumentNullException>(a).ParamName;
        Assert.Equal("learningRates", Name(() => SuccessBand.Longest(null!, [true])));
        Assert.Equal("full", Name(() => SuccessBand.Longest([0.1], null!)));
        Assert.Equal("settings", Name(() => XorSummary.Build(null!, outcome)));
        Assert.Equal("outcome", Name(() => XorSummary.Build(XorPreluSettings.Default, null!)));
        Assert.Equal("learningRates", Name(() => XorSummary.LearningRateLabels(null!)));
        var settings = WidthVsDepthSettings.Default;
        Assert.Equal("settings", Name(() => MinWidthSummary.Build(null!, [])));
        Assert.Equal("results", Name(() => MinWidthSummary.Build(settings, null!)));
        Assert.Equal("settings", Name(() => MinWidthSummary.References(null!)));
    }
}
