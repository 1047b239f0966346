namespace LayerLab.Training.Experiments.LinearPolicy;

/// <summary>
/// (μ/μ_w, λ)-ES with cumulative step-size adaptation (CSA; Hansen's tutorial, arXiv 1604.00772, without covariance
/// adaptation): λ candidates m + σ·zₖ, the better half recombined with log weights, σ grown or shrunk as the evolution
/// path is longer or shorter than a random walk's. Maximises fitness.
/// </summary>
public sealed class CsaEvolutionStrategy
{
    private readonly double[] _weights;
    private readonly double[] _path;
    private readonly double _muEff, _cSigma, _dSigma, _expectedNorm;

    public CsaEvolutionStrategy(double[] mean, double sigma, int population)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentOutOfRangeException.ThrowIfLessThan(population, 2);
        Mean = (double[])mean.Clone();
        Sigma = sigma;
        Population = population;
        var n = mean.Length;
        var mu = population / 2;
        _weights = Enumerable.Range(1, mu).Select(i => Math.Log(mu + 0.5) - Math.Log(i)).ToArray();
        var sum = _weights.Sum();
        for (var i = 0; i < mu; i++) _weights[i] /= sum;
        _muEff = 1 / _weights.Sum(w => w * w);
        _cSigma = (_muEff + 2) / (n + _muEff + 5);
        _dSigma = 1 + (2 * Math.Max(0, Math.Sqrt((_muEff - 1) / (n + 1)) - 1)) + _cSigma;
        _expectedNorm = Math.Sqrt(n) * (1 - (1.0 / (4 * n)) + (1.0 / (21.0 * n * n)));
        _path = new double[n];
    }

    public double[] Mean { get; }
    public double Sigma { get; private set; }
    public int Population { get; }

    /// <summary>λ standard normal directions zₖ (the candidates are Mean + Sigma·zₖ).</summary>
    public double[][] Ask(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var z = new double[Population][];
        for (var k = 0; k < Population; k++)
        {
            z[k] = new double[Mean.Length];
            for (var i = 0; i < Mean.Length; i++) z[k][i] = Gaussian(random);
        }
        return z;
    }

    public double[] Candidate(double[] z)
    {
        ArgumentNullException.ThrowIfNull(z);
        var x = new double[Mean.Length];
        for (var i = 0; i < x.Length; i++) x[i] = Mean[i] + (Sigma * z[i]);
        return x;
    }

    /// <summary>Moves the mean towards the better half and adapts σ. Ties keep the candidates' order (stable sort).</summary>
    public void Tell(double[][] z, double[] fitness)
    {
        ArgumentNullException.ThrowIfNull(z);
        ArgumentNullException.ThrowIfNull(fitness);
        var order = Enumerable.Range(0, z.Length).OrderByDescending(k => fitness[k]).ToArray();
        var step = new double[Mean.Length];
        for (var r = 0; r < _weights.Length; r++)
            for (var i = 0; i < step.Length; i++) step[i] += _weights[r] * z[order[r]][i];
        var c = Math.Sqrt(_cSigma * (2 - _cSigma) * _muEff);
        var norm = 0.0;
        for (var i = 0; i < step.Length; i++)
        {
            Mean[i] += Sigma * step[i];
            _path[i] = ((1 - _cSigma) * _path[i]) + (c * step[i]);
            norm += _path[i] * _path[i];
        }
        Sigma *= Math.Exp(_cSigma / _dSigma * ((Math.Sqrt(norm) / _expectedNorm) - 1));
    }

    /// <summary>Box–Muller from two uniforms (System.Random has no normal sampler).</summary>
    public static double Gaussian(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
