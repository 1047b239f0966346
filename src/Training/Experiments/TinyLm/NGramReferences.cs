namespace LayerLab.Training.Experiments.TinyLm;

/// <summary>Held-out bits per token of the exact count-based references, on the same split the model uses.</summary>
public sealed record NGramBits(double Unigram, double Bigram, double KneserNey, int KneserNeyOrder);

/// <summary>
/// Count-based language models of the training blocks, scored on the held-out blocks (every token but each block's
/// first). Unigram and bigram are add-one (Laplace) over the vocabulary, so no held-out token has probability 0;
/// <see cref="KneserNey"/> is interpolated Kneser–Ney. All exact (doubles over integer counts), no sampling.
/// </summary>
public static class NGramReferences
{
    public static NGramBits Compute(TextSplit split, int vocabulary, int knOrder)
    {
        ArgumentNullException.ThrowIfNull(split);
        var unigram = new long[vocabulary];
        var bigram = new long[vocabulary, vocabulary];
        var context = new long[vocabulary];
        long total = 0;
        foreach (var block in split.Train)
        {
            // Unigram counts the scored positions too (not the block's first token), so train and test agree on what a token is.
            for (var t = 1; t < block.Length; t++)
            {
                unigram[block[t]]++;
                total++;
                bigram[block[t - 1], block[t]]++;
                context[block[t - 1]]++;
            }
        }
        var kn = new KneserNey(split.Train, knOrder, vocabulary);
        double uni = 0, bi = 0, knBits = 0;
        long n = 0;
        foreach (var block in split.HeldOut)
            for (var t = 1; t < block.Length; t++)
            {
                var (prev, w) = (block[t - 1], block[t]);
                uni -= Math.Log2((unigram[w] + 1.0) / (total + vocabulary));
                bi -= Math.Log2((bigram[prev, w] + 1.0) / (context[prev] + vocabulary));
                knBits -= Math.Log2(kn.Probability(block.AsSpan(Math.Max(0, t - knOrder + 1), Math.Min(t, knOrder - 1)), w));
                n++;
            }
        return new NGramBits(uni / n, bi / n, knBits / n, knOrder);
    }
}
