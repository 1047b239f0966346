namespace LayerLab.Training.Experiments.XorPrelu;

/// <summary>
/// The exact single-neuron solutions of XOR and the distance of learned parameters to them.
/// <para>
/// Coding {0,1}²: y = PReLU_a(w₁x₁ + w₂x₂) must give (0,0)→0 (always true), (1,0)→1, (0,1)→1, (1,1)→0.
/// If w₁ &gt; 0 then w₁ = 1; w₂ &gt; 0 would force w₂ = 1 and y(1,1) = 2, so w₂ &lt; 0 with a·w₂ = 1; and
/// PReLU(1 + w₂) = 0 needs 1 + w₂ = 0 (a = 0 contradicts a·w₂ = 1). Hence w = (1, −1), a = −1, i.e. y = |x₁ − x₂|,
/// and by the swap x₁ ↔ x₂ (which here equals the sign flip w → −w) w = (−1, 1), a = −1. These two are the only
/// zero-loss points.
/// </para>
/// <para>
/// Coding {−1,1}²: (1,1)→0 and (−1,−1)→0 force PReLU(±(w₁+w₂)) = 0, i.e. w₁ + w₂ = 0; then PReLU(2w₁) = 1 and
/// PReLU(−2w₁) = 1 give w₁ = ½, a = −1 (or the mirror). The exact solution scales by ½: w = ±(½, −½), a = −1,
/// y = |x₁ − x₂| / 2.
/// </para>
/// <para>
/// With a bias the same argument (for {0,1}²: PReLU(b) = 0 forces b = 0, since a = 0 would make the neuron a ReLU
/// that cannot fit the other three points; for {−1,1}²: ±(w₁+w₂) + b both map to 0 forces b = 0 likewise) gives
/// the same solutions with b = 0.
/// </para>
/// </summary>
public static class XorReference
{
    public const double ExactSlope = -1;

    /// <summary>c in the exact solution w = ±(c, −c): 1 for {0,1}², ½ for {−1,1}².</summary>
    public static double ExactWeight(InputCoding coding) => coding == InputCoding.ZeroOne ? 1 : 0.5;

    /// <summary>
    /// Euclidean distance of (w₁, w₂, a) to the nearer of the two exact solutions (c, −c, −1) and (−c, c, −1).
    /// Not finite when the parameters are not.
    /// </summary>
    public static double PreluDistance(double w1, double w2, double slope, InputCoding coding) =>
        PreluBiasDistance(w1, w2, 0, slope, coding);

    /// <summary>Distance of (w₁, w₂, b, a) to the nearer of (c, −c, 0, −1) and (−c, c, 0, −1).</summary>
    public static double PreluBiasDistance(double w1, double w2, double bias, double slope, InputCoding coding)
    {
        var c = ExactWeight(coding);
        var common = (bias * bias) + ((slope - ExactSlope) * (slope - ExactSlope));
        var plus = ((w1 - c) * (w1 - c)) + ((w2 + c) * (w2 + c));
        var minus = ((w1 + c) * (w1 + c)) + ((w2 - c) * (w2 - c));
        return Math.Sqrt(common + Math.Min(plus, minus));
    }

    /// <summary>Output of the exact PReLU neuron, |x₁ − x₂|·c (for checking the derivation against the data).</summary>
    public static double ExactOutput(double x1, double x2, InputCoding coding)
    {
        var c = ExactWeight(coding);
        var z = (c * x1) - (c * x2);
        return z >= 0 ? z : ExactSlope * z;
    }
}
