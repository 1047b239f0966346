using LayerLab.Data.Compare;

namespace LayerLab.Tests.Unit.Compare;

public sealed class WelchTestTests
{
    [Theory]
    // Two-sided p-values of Student's t from standard tables / R's 2*pt(-|t|, df).
    [InlineData(2.0, 10, 0.07339)]
    [InlineData(2.228, 10, 0.05000)]
    [InlineData(1.0, 1, 0.5)]
    [InlineData(3.0, 30, 0.005401)]
    [InlineData(0.0, 5, 1.0)]
    public void Student_t_tail_matches_known_values(double t, double df, double p) =>
        Assert.Equal(p, WelchTest.TwoSidedP(t, df), 4);

    [Fact]
    public void Welch_matches_a_hand_computed_example()
    {
        // a: mean 2, var 1 (n 3); b: mean 5, var 4 (n 3). se = sqrt(1/3 + 4/3) = 1.2910; t = -2.3238;
        // df = (5/3)² / ((1/3)²/2 + (4/3)²/2) = 2.7778/0.9444 = 2.9412.
        var result = WelchTest.Compare([1, 2, 3], [3, 5, 7]);
        Assert.Equal(-3, result.Difference, 12);
        Assert.Equal(-2.32379, result.T, 4);
        Assert.Equal(2.94118, result.DegreesOfFreedom, 4);
        Assert.InRange(result.P, 0.10, 0.11); // R: t.test(c(1,2,3), c(3,5,7)) → p-value = 0.1044
        Assert.Equal(0.1044, result.P, 3);
        Assert.Equal(WelchTest.TQuantile975(result.DegreesOfFreedom) * Math.Sqrt(5.0 / 3), result.Ci95, 6);
    }

    [Fact]
    public void Welch_with_unequal_group_sizes_gives_each_group_its_own_degrees_of_freedom()
    {
        // a: n 5, mean 3, var 2.5; b: n 3, mean 5, var 4. sa = 2.5/5 = 0.5, sb = 4/3; t = -2/sqrt(11/6) = -1.47710;
        // df = (11/6)² / (0.5²/4 + (4/3)²/2) = 3.53285 (swapping the groups' n - 1 gives 5.90244, p 0.1909).
        // Reference p and 97.5% quantile: mpmath 1.3.0 at 30 digits, both as the regularised incomplete beta
        // betainc(df/2, 1/2, 0, df/(df+t²)) and as 2·∫_|t|^∞ of the Student t density by quadrature (they agree):
        // p = 0.2227478853884, t_0.975(df) = 2.9274053061525.
        var result = WelchTest.Compare([1, 2, 3, 4, 5], [3, 5, 7]);
        Assert.Equal(5, result.NA);
        Assert.Equal(3, result.NB);
        Assert.Equal(-2, result.Difference, 12);
        Assert.Equal(-1.4770978917520, result.T, 9);
        Assert.Equal(3.5328467153285, result.DegreesOfFreedom, 9);
        Assert.Equal(0.2227478853884, result.P, 9);
        Assert.Equal(2.9274053061525 * Math.Sqrt(11.0 / 6), result.Ci95, 7);
    }

    [Fact]
    public void Description_names_the_winner_in_the_metrics_direction()
    {
        var lossA = new double[] { 0.10, 0.11, 0.09, 0.10, 0.10 };
        var lossB = new double[] { 0.20, 0.21, 0.19, 0.20, 0.20 };
        var text = WelchTest.Compare(lossA, lossB).Describe("A", "B", "bits/token", higherIsBetter: false);
        Assert.StartsWith("A beats B by 0.1 ± ", text, StringComparison.Ordinal);
        Assert.Contains("5 vs 5 seeds", text, StringComparison.Ordinal);
        var same = WelchTest.Compare([1.0, 2, 3], [1.1, 2, 2.9]).Describe("A", "B", "x", higherIsBetter: true);
        Assert.Contains("is not distinguishable from", same, StringComparison.Ordinal);
    }

    // The edges below killed mutants Stryker left alive in src/Data/Compare (docs/testing.md).

    [Fact]
    public void Groups_need_two_runs_each_and_null_groups_throw()
    {
        Assert.Throws<ArgumentNullException>(() => WelchTest.Compare(null!, [1, 2]));
        Assert.Throws<ArgumentNullException>(() => WelchTest.Compare([1, 2], null!));
        Assert.Equal("Each group needs at least 2 runs.", Assert.Throws<ArgumentException>(() => WelchTest.Compare([1], [1, 2])).Message);
        Assert.Throws<ArgumentException>(() => WelchTest.Compare([1, 2], [1]));
        Assert.Equal(2, WelchTest.Compare([1, 2], [3, 5]).NB);
    }

    [Fact]
    public void Groups_without_spread_are_equal_or_certainly_different()
    {
        var same = WelchTest.Compare([2, 2, 2], [2, 2]);
        Assert.Equal((0.0, 0.0, 1.0, 3.0, 0.0), (same.T, same.Difference, same.P, same.DegreesOfFreedom, same.Ci95));
        var apart = WelchTest.Compare([1, 1], [3, 3, 3]);
        Assert.Equal((double.PositiveInfinity, -2.0, 0.0, 3.0, 0.0), (apart.T, apart.Difference, apart.P, apart.DegreesOfFreedom, apart.Ci95));
        Assert.Equal((1.0, 3.0), (apart.MeanA, apart.MeanB));
    }

    [Theory]
    // I_x(2, 3) = Σ_{j=2..4} C(4, j) x^j (1 − x)^(4−j) (binomial identity), on both sides of the continued fraction's switch at x = 3/7.
    [InlineData(2, 3, 0.2, 0.1808)]
    [InlineData(2, 3, 0.5, 0.6875)]
    [InlineData(2, 3, 0.0, 0.0)]
    [InlineData(2, 3, 1.0, 1.0)]
    [InlineData(2, 3, -0.5, 0.0)]
    [InlineData(2, 3, 1.5, 1.0)]
    // I_x(½, ½) = (2/π)·asin(√x).
    [InlineData(0.5, 0.5, 0.25, 0.3333333333333333)]
    public void Incomplete_beta_matches_closed_forms(double a, double b, double x, double expected) =>
        Assert.Equal(expected, WelchTest.IncompleteBeta(a, b, x), 10);

    [Theory]
    // Student t 97.5 % quantiles (tables / R's qt(0.975, df)).
    [InlineData(1, 12.7062047361747)]
    [InlineData(2.5, 3.57465484200368)]
    [InlineData(10, 2.22813885198627)]
    [InlineData(100, 1.98397151852355)]
    public void The_975_quantile_matches_reference_values(double df, double q) =>
        Assert.Equal(q, WelchTest.TQuantile975(df), 6);

    [Fact]
    public void Descriptions_format_small_large_and_tiny_p_values()
    {
        var higher = WelchTest.Compare([10.0, 10.1, 9.9, 10.0], [1.0, 1.1, 0.9, 1.0]);
        var text = higher.Describe("A", "B", "acc", higherIsBetter: true);
        Assert.Equal($"A beats B by 9 ± {Format(higher.Ci95)} acc, p < 0.0001, 4 vs 4 seeds (Welch's t-test).", text);
        Assert.StartsWith("B beats A by 9 ± ", higher.Describe("A", "B", "loss", higherIsBetter: false), StringComparison.Ordinal);

        var tiny = WelchTest.Compare([1e-5, 1.1e-5, 0.9e-5], [5e-5, 5.1e-5, 4.9e-5]);
        Assert.StartsWith("B beats A by 4e-5 ± ", tiny.Describe("A", "B", "loss", higherIsBetter: true), StringComparison.Ordinal);
        var huge = WelchTest.Compare([1e5, 1.0001e5, 0.9999e5], [2e5, 2.0001e5, 1.9999e5]);
        Assert.StartsWith("B beats A by 1e5 ± ", huge.Describe("A", "B", "tokens", higherIsBetter: true), StringComparison.Ordinal);

        // 1e4 exactly is the first difference written in exponent form.
        Assert.StartsWith("A beats B by 1e4 ± ", WelchTest.Compare([10_000, 10_002, 10_001], [0, 2, 1]).Describe("A", "B", "x", higherIsBetter: true), StringComparison.Ordinal);
        var close = WelchTest.Compare([1, 2, 3], [3, 5, 7]); // p = 0.104479 (mpmath), shown to 4 places
        Assert.Equal("B is not distinguishable from A (difference 3 ± " + Format(close.Ci95) + " x), p = 0.1045, 3 vs 3 seeds (Welch's t-test).",
            close.Describe("A", "B", "x", higherIsBetter: true));

        static string Format(double v) => v.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture);
    }
}
