using LayerLab.Training.Experiments.LinearPolicy.Environments;

namespace LayerLab.Training.Experiments.LinearPolicy;

/// <summary>
/// The reference controller: CartPole linearised at the upright rest point and discretised as Gym integrates it
/// (explicit Euler, τ = 0.02 s): x' = A·x + B·F. The discrete algebraic Riccati equation
/// P = Q + AᵀPA − AᵀPB(R + BᵀPB)⁻¹BᵀPA is solved to its fixed point (Q = I, R = 0.1) and gives F = −K·x. The true
/// system only pushes ±10 N, so the reference policy pushes in the direction of −K·x; its return on the same test
/// episodes is drawn as a line.
/// </summary>
public static class CartPoleLqr
{
    public const double ControlCost = 0.1;

    private static readonly Lazy<double[]> SolvedGain = new(() => Solve().K);

    /// <summary>K of <see cref="Solve"/>: a constant of the task, solved once per process rather than per run.</summary>
    public static IReadOnlyList<double> Gain => SolvedGain.Value;

    /// <summary>A and B of the linearised, Euler-discretised cart-pole (state x, ẋ, θ, θ̇; input the force).</summary>
    public static (double[,] A, double[] B) Linearised()
    {
        const double m = CartPole.TotalMass, mp = CartPole.MassPole, l = CartPole.HalfLength, g = CartPole.Gravity, tau = CartPole.Tau;
        // sin θ ≈ θ, cos θ ≈ 1, θ̇² ≈ 0 in Gym's equations of motion:
        var d = l * ((4.0 / 3.0) - (mp / m));
        double thetaFromTheta = g / d, thetaFromForce = -1 / (m * d);
        double xFromTheta = -mp * l * thetaFromTheta / m, xFromForce = (1 / m) - (mp * l * thetaFromForce / m);
        double[,] continuous =
        {
            { 0, 1, 0, 0 },
            { 0, 0, xFromTheta, 0 },
            { 0, 0, 0, 1 },
            { 0, 0, thetaFromTheta, 0 },
        };
        var a = new double[4, 4];
        for (var i = 0; i < 4; i++)
            for (var j = 0; j < 4; j++) a[i, j] = (i == j ? 1 : 0) + (tau * continuous[i, j]);
        return (a, [0, tau * xFromForce, 0, tau * thetaFromForce]);
    }

    /// <summary>The Riccati solution P and the gain K (F = −K·x), iterated until P changes by less than 1e-12.</summary>
    public static (double[,] P, double[] K) Solve()
    {
        var (a, b) = Linearised();
        var p = Identity();
        for (var iteration = 0; iteration < 1_000_000; iteration++)
        {
            var next = RiccatiStep(a, b, p, out _);
            var change = 0.0;
            for (var i = 0; i < 4; i++)
                for (var j = 0; j < 4; j++) change = Math.Max(change, Math.Abs(next[i, j] - p[i, j]));
            p = next;
            if (change < 1e-12 * Math.Max(1, MaxAbs(p))) break;
        }
        RiccatiStep(a, b, p, out var k);
        return (p, k);
    }

    /// <summary>One step of the Riccati iteration from P (its fixed point is the solution), and K at P.</summary>
    public static double[,] RiccatiStep(double[,] a, double[] b, double[,] p, out double[] k)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(p);
        var pb = new double[4];
        for (var i = 0; i < 4; i++) for (var j = 0; j < 4; j++) pb[i] += p[i, j] * b[j];
        var bpb = 0.0;
        for (var i = 0; i < 4; i++) bpb += b[i] * pb[i];
        // BᵀPA as a row: (BᵀP)A.
        var bpa = new double[4];
        for (var j = 0; j < 4; j++) for (var i = 0; i < 4; i++) bpa[j] += pb[i] * a[i, j];
        k = bpa.Select(v => v / (ControlCost + bpb)).ToArray();
        // The same fixed point written as a sum of positive semi-definite terms (the "Joseph" form):
        // P' = Q + KᵀRK + (A − BK)ᵀP(A − BK). The textbook form's subtraction loses positive definiteness in floating
        // point after a few hundred steps here (P grows without bound), this one does not.
        var closed = new double[4, 4];
        for (var i = 0; i < 4; i++)
            for (var j = 0; j < 4; j++) closed[i, j] = a[i, j] - (b[i] * k[j]);
        var next = new double[4, 4];
        for (var i = 0; i < 4; i++)
            for (var j = 0; j < 4; j++)
            {
                var cpc = 0.0;
                for (var r = 0; r < 4; r++) for (var c = 0; c < 4; c++) cpc += closed[r, i] * p[r, c] * closed[c, j];
                next[i, j] = (i == j ? 1 : 0) + (ControlCost * k[i] * k[j]) + cpc;
            }
        return next;
    }

    /// <summary>The textbook Riccati right-hand side Q + AᵀPA − AᵀPB(R + BᵀPB)⁻¹BᵀPA minus P: zero at the solution
    /// (largest absolute entry), the check that the iteration found it.</summary>
    public static double Residual(double[,] p)
    {
        ArgumentNullException.ThrowIfNull(p);
        var (a, b) = Linearised();
        var pb = new double[4];
        for (var i = 0; i < 4; i++) for (var j = 0; j < 4; j++) pb[i] += p[i, j] * b[j];
        var bpb = 0.0;
        for (var i = 0; i < 4; i++) bpb += b[i] * pb[i];
        var bpa = new double[4];
        for (var j = 0; j < 4; j++) for (var i = 0; i < 4; i++) bpa[j] += pb[i] * a[i, j];
        var worst = 0.0;
        for (var i = 0; i < 4; i++)
            for (var j = 0; j < 4; j++)
            {
                var apa = 0.0;
                for (var r = 0; r < 4; r++) for (var c = 0; c < 4; c++) apa += a[r, i] * p[r, c] * a[c, j];
                var rhs = (i == j ? 1 : 0) + apa - (bpa[i] * bpa[j] / (ControlCost + bpb));
                worst = Math.Max(worst, Math.Abs(rhs - p[i, j]));
            }
        return worst;
    }

    /// <summary>Mean return of the bang-bang LQR policy (push towards −K·x) on episodes firstSeed … + count − 1.</summary>
    public static double MeanReturn(IReadOnlyList<double> k, int firstSeed, int count)
    {
        ArgumentNullException.ThrowIfNull(k);
        var env = new CartPole();
        Span<double> observation = stackalloc double[4];
        Span<double> action = stackalloc double[1];
        var sum = 0.0;
        for (var e = 0; e < count; e++)
        {
            env.Reset(new Random(firstSeed + e), observation);
            for (var t = 0; t < env.MaxSteps; t++)
            {
                var force = 0.0;
                for (var i = 0; i < 4; i++) force -= k[i] * observation[i];
                action[0] = force >= 0 ? 1 : 0;
                var step = env.Step(action, observation);
                sum += step.Reward;
                if (step.Terminated) break;
            }
        }
        return sum / count;
    }

    private static double[,] Identity()
    {
        var p = new double[4, 4];
        for (var i = 0; i < 4; i++) p[i, i] = 1;
        return p;
    }

    private static double MaxAbs(double[,] m)
    {
        var max = 0.0;
        foreach (var v in m) max = Math.Max(max, Math.Abs(v));
        return max;
    }
}
