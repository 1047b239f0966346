namespace LayerLab.Training.Experiments.IclRetrieval;

/// <summary>One multi-query associative-recall sequence: the pairs in the order written, then the queried keys.</summary>
/// <param name="Keys">The N distinct keys (ids 0…keyVocabulary − 1), in the order written.</param>
/// <param name="Values">The value paired with each key (ids 0…valueVocabulary − 1, repeats allowed).</param>
/// <param name="Queries">The Q queried keys: distinct, each one of <paramref name="Keys"/>.</param>
/// <param name="Answers">The value paired with each query (the targets).</param>
public sealed record RecallExample(
    IReadOnlyList<int> Keys, IReadOnlyList<int> Values, IReadOnlyList<int> Queries, IReadOnlyList<int> Answers);

/// <summary>
/// Exact, seeded multi-query associative recall (MQAR, Zoology, arXiv 2312.04927; the retrieval task of arXiv
/// 2402.18510): N key-value pairs written k1 v1 k2 v2 … kN vN, then Q queries written q1 a1 … qQ aQ, where each query
/// is a key of the pairs and its answer is that key's value. Keys are distinct (drawn without replacement from the
/// key vocabulary), values are drawn uniformly with replacement from the value vocabulary, queries are distinct keys
/// of the pairs in random order (as in Zoology, each key is asked at most once). Keys and values have separate token
/// ranges: key k is token k, value v is token keyVocabulary + v. The model is scored at each query token (the token
/// after it must be the answer), so an answer can never be read off the query token itself.
/// Only <see cref="Random.Next(int)"/> is used, so a seed gives the same sequences in every process.
/// </summary>
public static class RecallData
{
    public static RecallExample Generate(int pairs, int queries, int keyVocabulary, int valueVocabulary, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (pairs < 1 || pairs > keyVocabulary) throw new ArgumentOutOfRangeException(nameof(pairs));
        if (queries < 1 || queries > pairs) throw new ArgumentOutOfRangeException(nameof(queries));
        ArgumentOutOfRangeException.ThrowIfLessThan(valueVocabulary, 2);
        var keys = Sample(keyVocabulary, pairs, rng);
        var values = new int[pairs];
        for (var i = 0; i < pairs; i++) values[i] = rng.Next(valueVocabulary);
        var asked = Sample(pairs, queries, rng);     // positions among the pairs, distinct, random order
        return new RecallExample(keys, values, asked.Select(i => keys[i]).ToArray(), asked.Select(i => values[i]).ToArray());
    }

    /// <summary><paramref name="count"/> distinct integers of 0…<paramref name="range"/> − 1 in random order (partial
    /// Fisher–Yates).</summary>
    private static int[] Sample(int range, int count, Random rng)
    {
        var pool = Enumerable.Range(0, range).ToArray();
        for (var i = 0; i < count; i++)
        {
            var j = i + rng.Next(range - i);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }
        return pool[..count];
    }

    /// <summary>The token sequence k1 v1 … kN vN q1 a1 … qQ aQ (length 2N + 2Q).</summary>
    public static int[] Tokens(RecallExample example, int keyVocabulary)
    {
        ArgumentNullException.ThrowIfNull(example);
        var tokens = new List<int>(2 * (example.Keys.Count + example.Queries.Count));
        for (var i = 0; i < example.Keys.Count; i++) tokens.AddRange([example.Keys[i], keyVocabulary + example.Values[i]]);
        for (var j = 0; j < example.Queries.Count; j++) tokens.AddRange([example.Queries[j], keyVocabulary + example.Answers[j]]);
        return [.. tokens];
    }

    /// <summary>Position of query j in the model's input (its next token is the answer).</summary>
    public static int QueryPosition(int pairs, int j) => (2 * pairs) + (2 * j);

    /// <summary>Input length: the whole sequence but its last token (nothing follows the last answer).</summary>
    public static int InputLength(int pairs, int queries) => (2 * pairs) + (2 * queries) - 1;

    /// <summary>The exact reference: a dictionary built from the pairs, looked up at each query.</summary>
    public static int[] Lookup(RecallExample example)
    {
        ArgumentNullException.ThrowIfNull(example);
        var table = new Dictionary<int, int>();
        for (var i = 0; i < example.Keys.Count; i++) table[example.Keys[i]] = example.Values[i];
        return example.Queries.Select(q => table[q]).ToArray();
    }
}
