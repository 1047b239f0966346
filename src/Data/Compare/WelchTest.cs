namespace LayerLab.Data.Compare;

/// <summary>Result of comparing two groups of runs (e.g. seeds of A vs seeds of B) on one number per run.</summary>
public sealed record GroupComparison(
    int NA, int NB, double MeanA, double MeanB, double Difference, double Ci95, double T, double DegreesOfFreedom, double P)
{
    /// <summary>The comparison in words, e.g. "A beats B by 0.012 ± 0.004 loss, p = 0.003, 5 vs 5 seeds".</summary>
    public string Describe(string nameA, string nameB, string metric, bool higherIsBetter)
    {
        var aBetter = higherIsBetter ? Difference > 0 : Difference < 0;
        var (winner, loser) = aBetter ? (nameA, nameB) : (nameB, nameA);
        var verb = P < 0.05 ? "beats" : "is not distinguishable from";
        var by = P < 0.05 ? $" by {Format(Math.Abs(Difference))} ± {Format(Ci95)} {metric}" : $" (difference {Format(Math.Abs(Difference))} ± {Format(Ci95)} {metric})";
        return $"{winner} {verb} {loser}{by}, p {FormatP(P)}, {NA} vs {NB} seeds (Welch's t-test).";
    }

    private static string Format(double v) => v.ToString(Math.Abs(v) is >= 1e-3 and < 1e4 or 0 ? "0.####" : "0.###e0", System.Globalization.CultureInfo.InvariantCulture);

    private static string FormatP(double p) => p < 1e-4 ? "< 0.0001" : "= " + p.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Welch's unequal-variance t-test, two-sided, with its 95% interval for the difference of means.</summary>
public static class WelchTest
{
    public static GroupComparison Compare(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count < 2 || b.Count < 2) throw new ArgumentException("Each group needs at least 2 runs.");
        var (ma, va) = MeanVar(a);
        var (mb, vb) = MeanVar(b);
        var (sa, sb) = (va / a.Count, vb / b.Count);
        var se = Math.Sqrt(sa + sb);
        var diff = ma - mb;
        if (se == 0) return new GroupComparison(a.Count, b.Count, ma, mb, diff, 0, diff == 0 ? 0 : double.PositiveInfinity, a.Count + b.Count - 2, diff == 0 ? 1 : 0);
        var df = (sa + sb) * (sa + sb) / ((sa * sa / (a.Count - 1)) + (sb * sb / (b.Count - 1)));
        var t = diff / se;
        var p = TwoSidedP(t, df);
        return new GroupComparison(a.Count, b.Count, ma, mb, diff, TQuantile975(df) * se, t, df, p);
    }

    private static (double Mean, double Var) MeanVar(IReadOnlyList<double> x)
    {
        var mean = x.Average();
        return (mean, x.Sum(v => (v - mean) * (v - mean)) / (x.Count - 1));
    }

    /// <summary>P(|T| ≥ |t|) for Student's t with df degrees of freedom = I_{df/(df+t²)}(df/2, ½).</summary>
    public static double TwoSidedP(double t, double df) => IncompleteBeta(df / 2, 0.5, df / (df + (t * t)));

    /// <summary>The 97.5% quantile for fractional df, by bisection on the exact tail.</summary>
    public static double TQuantile975(double df)
    {
        double lo = 0, hi = 1000;
        for (var i = 0; i < 200; i++)
        {
            var mid = (lo + hi) / 2;
            if (TwoSidedP(mid, df) > 0.05) lo = mid; else hi = mid;
        }
        return (lo + hi) / 2;
    }

    /// <summary>Regularised incomplete beta I_x(a, b), by Lentz's continued fraction.</summary>
    public static double IncompleteBeta(double a, double b, double x)
    {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        var front = Math.Exp(LogGamma(a + b) - LogGamma(a) - LogGamma(b) + (a * Math.Log(x)) + (b * Math.Log(1 - x)));
        return x < (a + 1) / (a + b + 2) ? front * ContinuedFraction(a, b, x) / a : 1 - (front * ContinuedFraction(b, a, 1 - x) / b);
    }

    private static double ContinuedFraction(double a, double b, double x)
    {
        const double tiny = 1e-300;
        double c = 1, d = 1 - ((a + b) * x / (a + 1));
        d = 1 / (Math.Abs(d) < tiny ? tiny : d);
        var h = d;
        for (var m = 1; m <= 300; m++)
        {
            var m2 = 2 * m;
            var num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
            d = 1 + (num * d); d = 1 / (Math.Abs(d) < tiny ? tiny : d);
            c = 1 + (num / c); c = Math.Abs(c) < tiny ? tiny : c;
            h *= d * c;
            num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
            d = 1 + (num * d); d = 1 / (Math.Abs(d) < tiny ? tiny : d);
            c = 1 + (num / c); c = Math.Abs(c) < tiny ? tiny : c;
            var delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-15) break;
        }
        return h;
    }

    /// <summary>Lanczos approximation of ln Γ(x), x &gt; 0.</summary>
    private static double LogGamma(double x)
    {
        double[] g = [76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5];
        double y = x, tmp = x + 5.5;
        tmp -= (x + 0.5) * Math.Log(tmp);
        var ser = 1.000000000190015;
        foreach (var c in g) ser += c / ++y;
        return -tmp + Math.Log(2.5066282746310005 * ser / x);
    }
}
