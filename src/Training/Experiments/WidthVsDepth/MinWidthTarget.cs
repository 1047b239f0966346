namespace LayerLab.Training.Experiments.WidthVsDepth;

/// <summary>
/// The function every network fits: f(x₁, x₂) = sin(2πx₁)·sin(2πx₂) on [0, 1]², four lobes of alternating sign. It is
/// far from any ridge function g(w·x + b) — which is all a width-1 network can express, whatever its depth — so width 1
/// must plateau above zero, while width ≥ 3 (= d + 1, the minimum width for ReLU networks on a compact domain,
/// arXiv 2305.18460) can approach it with depth. Training points: the centres of an n × n grid; test points: the
/// centres of a 2n × 2n grid (a different, finer set).
/// </summary>
public static class MinWidthTarget
{
    public static double F(double x1, double x2) => Math.Sin(2 * Math.PI * x1) * Math.Sin(2 * Math.PI * x2);

    /// <summary>Points (x₁, x₂) at the centres of an n × n grid, row by row, and f at each.</summary>
    public static (double[] X, double[] Y) Grid(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var x = new double[2 * n * n];
        var y = new double[n * n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
            {
                var k = (i * n) + j;
                (x[2 * k], x[(2 * k) + 1]) = ((i + 0.5) / n, (j + 0.5) / n);
                y[k] = F(x[2 * k], x[(2 * k) + 1]);
            }
        return (x, y);
    }

    /// <summary>Mean squared error of predicting the mean everywhere (the variance of the targets): the "no model"
    /// reference. On any grid of centres the mean is exactly 0 by symmetry, so this is the mean of f².</summary>
    public static double Variance(double[] y)
    {
        ArgumentNullException.ThrowIfNull(y);
        var mean = y.Average();
        return y.Sum(v => (v - mean) * (v - mean)) / y.Length;
    }
}
