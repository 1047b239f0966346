namespace LayerLab.Training.Experiments.MarkovIcl;

/// <summary>A batch of binary order-k Markov chains with their true transition probabilities.</summary>
/// <param name="Tokens">[count × length] bits, row-major.</param>
/// <param name="Probabilities">[count × 2^k]: P(next = 1 | context c) of each sequence, c = the last k bits read as a
/// binary number with the oldest bit most significant.</param>
public sealed record MarkovBatch(int Count, int Length, int Order, byte[] Tokens, double[] Probabilities)
{
    public int Contexts => 1 << Order;

    public int Token(int sequence, int t) => Tokens[(sequence * Length) + t];

    /// <summary>The context preceding position t (t ≥ k): bits t−k … t−1.</summary>
    public int Context(int sequence, int t)
    {
        var c = 0;
        for (var j = t - Order; j < t; j++) c = (c << 1) | Token(sequence, j);
        return c;
    }
}

/// <summary>Seeded, plain-C# generator of the chains: exact and identical on every machine for a seed.</summary>
public static class MarkovData
{
    /// <summary>Each sequence: every context draws p ~ U(0,1); the first k bits are Bernoulli(½); then x_t ~ Bernoulli(p[context]).</summary>
    public static MarkovBatch Generate(int count, int length, int order, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(order, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(length, order);
        var contexts = 1 << order;
        var tokens = new byte[count * length];
        var probs = new double[count * contexts];
        for (var s = 0; s < count; s++)
        {
            for (var c = 0; c < contexts; c++) probs[(s * contexts) + c] = rng.NextDouble();
            var ctx = 0;
            for (var t = 0; t < length; t++)
            {
                var p = t < order ? 0.5 : probs[(s * contexts) + ctx];
                var bit = rng.NextDouble() < p ? 1 : 0;
                tokens[(s * length) + t] = (byte)bit;
                ctx = ((ctx << 1) | bit) & (contexts - 1);
            }
        }
        return new MarkovBatch(count, length, order, tokens, probs);
    }
}

/// <summary>Exact reference predictors over positions t = k … T−1 (every position whose full context exists).</summary>
public sealed record MarkovReferences(
    double LaplaceCe, double OracleCe, double UnigramCe, float[] LaplaceP, int PositionsPerSequence);

public static class MarkovReference
{
    /// <summary>The add-β estimator of P(next = 1) after the prefix x_0 … x_{t−1}: (n₁ + β)/(n + 2β) over the transitions
    /// seen from the current context inside the prefix.</summary>
    public static double AddBeta(int n1, int n, double beta) => (n1 + beta) / (n + (2 * beta));

    /// <summary>Cross-entropy (nats) of predicting bit y with P(1) = p.</summary>
    public static double CrossEntropy(int y, double p) => -Math.Log(y == 1 ? p : 1 - p);

    /// <summary>Binary entropy (nats) of p.</summary>
    public static double BinaryEntropy(double p) =>
        p <= 0 || p >= 1 ? 0 : -((p * Math.Log(p)) + ((1 - p) * Math.Log(1 - p)));

    /// <summary>
    /// Laplace (add-β, β = 1; Bayes-optimal for the U(0,1) prior), the oracle (true p per context) and the in-context
    /// unigram (add-1 on all bits of the prefix, ignoring context), each averaged over all sequences and positions
    /// t = k … T−1. Also the Laplace P(next = 1) per (sequence, position) for the L1 metric.
    /// </summary>
    public static MarkovReferences Compute(MarkovBatch data, double beta = 1)
    {
        ArgumentNullException.ThrowIfNull(data);
        var (k, len) = (data.Order, data.Length);
        var positions = len - k;
        var laplaceP = new float[data.Count * positions];
        double laplace = 0, oracle = 0, unigram = 0;
        var n1 = new int[data.Contexts];
        var n = new int[data.Contexts];
        for (var s = 0; s < data.Count; s++)
        {
            Array.Clear(n1);
            Array.Clear(n);
            var ones = 0;
            for (var t = 0; t < k; t++) ones += data.Token(s, t);
            for (var t = k; t < len; t++)
            {
                var c = data.Context(s, t);
                var y = data.Token(s, t);
                var pl = AddBeta(n1[c], n[c], beta);
                laplaceP[(s * positions) + t - k] = (float)pl;
                laplace += CrossEntropy(y, pl);
                oracle += CrossEntropy(y, data.Probabilities[(s * data.Contexts) + c]);
                unigram += CrossEntropy(y, AddBeta(ones, t, 1));
                n1[c] += y;
                n[c]++;
                ones += y;
            }
        }
        var total = (double)data.Count * positions;
        return new MarkovReferences(laplace / total, oracle / total, unigram / total, laplaceP, positions);
    }
}
