using LayerLab.Training.Datasets;
using LayerLab.Training.Experiments.TinyLm;

namespace LayerLab.Tests.Unit.Experiments;

public sealed class TinyLmNGramTests
{
    // a = 0, b = 1, c = 2. Training block "abab" scores b, a, b (a block's first token is never scored);
    // held-out block "abc" scores b after a and c after b.
    private static readonly TextSplit Tiny = new([[0, 1, 0, 1]], [[0, 1, 2]]);

    [Fact]
    public void Unigram_and_bigram_bits_match_hand_counts()
    {
        var bits = NGramReferences.Compute(Tiny, vocabulary: 3, knOrder: 2);

        // Unigram, add-one over V = 3: counts a 1, b 2, c 0 of 3 → P(b) = 3/6, P(c) = 1/6.
        Assert.Equal(-(Math.Log2(3.0 / 6) + Math.Log2(1.0 / 6)) / 2, bits.Unigram, 12);
        // Bigram, add-one: c(ab) = 2 of c(a·) = 2 → P(b|a) = 3/5; c(bc) = 0 of c(b·) = 1 → P(c|b) = 1/4.
        Assert.Equal(-(Math.Log2(3.0 / 5) + Math.Log2(1.0 / 4)) / 2, bits.Bigram, 12);
    }

    [Fact]
    public void Interpolated_kneser_ney_matches_a_hand_computation()
    {
        // Order 2, D = 0.75. Distinct bigrams ab, ba → continuation counts a 1, b 1, c 0 (total 2, 2 types):
        //   P1(a) = P1(b) = 0.25/2 + 0.75·2/2·1/3 = 0.375; P1(c) = 0.25.
        // History a: c(ab) = 2 of 2, 1 type → P(b|a) = 1.25/2 + 0.75·1/2·0.375 = 0.765625.
        // History b: c(ba) = 1 of 1, 1 type → P(c|b) = 0 + 0.75·1/1·0.25 = 0.1875.
        var kn = new KneserNey(Tiny.Train, 2, 3);
        Assert.Equal(0.375, kn.Probability([], 0), 12);
        Assert.Equal(0.25, kn.Probability([], 2), 12);
        Assert.Equal(0.765625, kn.Probability([0], 1), 12);
        Assert.Equal(0.1875, kn.Probability([1], 2), 12);
        // An unseen history backs off to the unigram level entirely.
        Assert.Equal(0.25, kn.Probability([2], 2), 12);
        var bits = NGramReferences.Compute(Tiny, 3, 2);
        Assert.Equal(-(Math.Log2(0.765625) + Math.Log2(0.1875)) / 2, bits.KneserNey, 12);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void Kneser_ney_probabilities_sum_to_one_over_the_vocabulary(int order)
    {
        var text = GeneratedText.Bytes().AsSpan(0, 40_000);
        var tokenizer = new ByteTokenizer(text);
        var tokens = tokenizer.Encode(text);
        var split = TextSplit.Create(tokens, 0.1, seed: 1);
        var kn = new KneserNey(split.Train, order, tokenizer.VocabularySize);
        var held = split.HeldOut[0];
        // Seen histories of every length, an unseen one, and the empty one.
        int[][] histories = [held[..4], held[100..104], held[200..202], held[300..301], [], [.. Enumerable.Repeat(tokenizer.VocabularySize - 1, 4)]];
        foreach (var h in histories)
        {
            var sum = Enumerable.Range(0, tokenizer.VocabularySize).Sum(w => kn.Probability(h, w));
            Assert.Equal(1.0, sum, 10);
            Assert.All(Enumerable.Range(0, tokenizer.VocabularySize), w => Assert.True(kn.Probability(h, w) > 0));
        }
    }

    [Fact]
    public void References_order_as_expected_on_english_like_text()
    {
        var text = GeneratedText.Bytes().AsSpan(0, 60_000);
        var tokenizer = new ByteTokenizer(text);
        var bits = NGramReferences.Compute(TextSplit.Create(tokenizer.Encode(text), 0.1, 3), tokenizer.VocabularySize, 5);
        Assert.True(bits.KneserNey < bits.Bigram && bits.Bigram < bits.Unigram, $"{bits}");
        Assert.InRange(bits.Unigram, 3.5, Math.Log2(tokenizer.VocabularySize));
    }

    [Fact]
    public void Held_out_split_is_fixed_by_the_seed()
    {
        var tokens = Enumerable.Range(0, 20 * TextSplit.BlockLength).Select(i => i / TextSplit.BlockLength).ToArray();
        var a = TextSplit.Create(tokens, 0.2, seed: 7);
        var b = TextSplit.Create(tokens, 0.2, seed: 7);
        var c = TextSplit.Create(tokens, 0.2, seed: 8);
        int[] First(TextSplit s) => [.. s.HeldOut.Select(block => block[0])];
        Assert.Equal(First(a), First(b));
        Assert.NotEqual(First(a), First(c));
        Assert.Equal(4, a.HeldOut.Count);
        Assert.Equal(16, a.Train.Count);
        Assert.Empty(a.Train.Select(block => block[0]).Intersect(First(a)));
    }
}
