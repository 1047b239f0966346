namespace LayerLab.Training.Experiments.TinyLm;

/// <summary>
/// Interpolated Kneser–Ney (Chen &amp; Goodman 1998, one discount D per model) of order n over token ids &lt; 256.
/// Highest order: P(w|h) = max(c(hw) − D, 0)/c(h·) + D·N₁₊(h·)/c(h·) · P(w|h'), h' = h without its oldest token.
/// Lower orders use continuation counts N₁₊(·hw) (how many distinct tokens precede hw) in place of c, and the
/// unigram interpolates with the uniform 1/V, so every token of the vocabulary has P &gt; 0 and each P(·|h) sums
/// to 1. A history never seen at an order backs off to the next lower order entirely. Histories never cross a
/// block boundary (a block's first tokens use shorter histories).
/// </summary>
public sealed class KneserNey
{
    public const double Discount = 0.75;
    private readonly int _order;
    private readonly int _vocabulary;
    /// <summary>Per order k (index k−1): the count used at that order for each k-gram.</summary>
    private readonly Dictionary<long, long>[] _counts;
    /// <summary>Per order k: for each (k−1)-token history, Σ_w count(hw) and N₁₊(h·).</summary>
    private readonly Dictionary<long, (long Total, long Types)>[] _histories;

    public KneserNey(IEnumerable<int[]> blocks, int order, int vocabulary)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        if (order is < 1 or > 7) throw new ArgumentOutOfRangeException(nameof(order), "1 to 7 (eight bits per token in a 64-bit key).");
        if (vocabulary is < 1 or > 256) throw new ArgumentOutOfRangeException(nameof(vocabulary));
        (_order, _vocabulary) = (order, vocabulary);
        var raw = new Dictionary<long, long>[order];
        for (var k = 0; k < order; k++) raw[k] = [];
        // Raw counts of every k-gram ending at a scored position t ≥ 1 whose k−1 history lies inside the block.
        foreach (var block in blocks)
            for (var t = 1; t < block.Length; t++)
                for (var k = 1; k <= order && k <= t + 1; k++)
                {
                    var key = Key(block.AsSpan(t - k + 1, k));
                    raw[k - 1][key] = raw[k - 1].GetValueOrDefault(key) + 1;
                }
        _counts = new Dictionary<long, long>[order];
        _counts[order - 1] = raw[order - 1];
        for (var k = 1; k < order; k++)
        {
            // Continuation count of a k-gram: the number of distinct (k+1)-grams that end with it.
            var continuation = new Dictionary<long, long>();
            foreach (var longer in raw[k].Keys)
            {
                var suffix = DropOldest(longer);
                continuation[suffix] = continuation.GetValueOrDefault(suffix) + 1;
            }
            _counts[k - 1] = continuation;
        }
        _histories = new Dictionary<long, (long, long)>[order];
        for (var k = 1; k <= order; k++)
        {
            var histories = new Dictionary<long, (long Total, long Types)>();
            foreach (var (gram, count) in _counts[k - 1])
            {
                if (count == 0) continue;
                var h = DropNewest(gram);
                var (total, types) = histories.GetValueOrDefault(h);
                histories[h] = (total + count, types + 1);
            }
            _histories[k - 1] = histories;
        }
    }

    public int Order => _order;

    /// <param name="history">Up to n−1 preceding tokens, oldest first (only the last n−1 are used).</param>
    public double Probability(ReadOnlySpan<int> history, int token)
    {
        if (history.Length > _order - 1) history = history[^(_order - 1)..];
        return Probability(history, token, history.Length + 1);
    }

    private double Probability(ReadOnlySpan<int> history, int token, int k)
    {
        var lower = k == 1 ? 1.0 / _vocabulary : Probability(history[1..], token, k - 1);
        var h = Key(history);
        if (!_histories[k - 1].TryGetValue(h, out var stats) || stats.Total == 0) return lower;
        Span<int> gram = stackalloc int[history.Length + 1];
        history.CopyTo(gram);
        gram[^1] = token;
        var count = _counts[k - 1].GetValueOrDefault(Key(gram));
        return (Math.Max(count - Discount, 0) / stats.Total) + (Discount * stats.Types / stats.Total * lower);
    }

    /// <summary>Tokens packed eight bits each, oldest highest, with the length in the top byte (so "a" ≠ "\0a").</summary>
    internal static long Key(ReadOnlySpan<int> tokens)
    {
        long key = tokens.Length;
        foreach (var t in tokens) key = (key << 8) | (uint)t;
        return key;
    }

    private static long Length(long key)
    {
        for (var n = 0; n < 8; n++)
            if ((key >> (8 * n)) < 256 && (key >> (8 * n)) == n) return n;
        throw new InvalidOperationException("Malformed n-gram key.");
    }

    private static long DropOldest(long key)
    {
        var n = (int)Length(key);
        var body = key & ((1L << (8 * n)) - 1);
        return ((long)(n - 1) << (8 * (n - 1))) | (body & ((1L << (8 * (n - 1))) - 1));
    }

    private static long DropNewest(long key)
    {
        var n = (int)Length(key);
        return ((long)(n - 1) << (8 * (n - 1))) | ((key >> 8) & ((1L << (8 * (n - 1))) - 1));
    }
}
