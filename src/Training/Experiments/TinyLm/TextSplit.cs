namespace LayerLab.Training.Experiments.TinyLm;

/// <summary>
/// The text cut into blocks of <see cref="BlockLength"/> tokens; a seeded shuffle holds out a fixed share of them.
/// The split depends only on the text and the seed (never on the model's knobs), so every run of a study with the
/// same seed is scored on the same held-out blocks, and the n-gram references are counted on exactly the training
/// blocks the model sees. Blocks are independent documents: no context crosses a block boundary, and the first
/// token of a block is never scored (no model has a history for it).
/// </summary>
public sealed record TextSplit(IReadOnlyList<int[]> Train, IReadOnlyList<int[]> HeldOut)
{
    public const int BlockLength = 1024;

    /// <param name="heldOutShare">Share of blocks held out (at least one block each side).</param>
    public static TextSplit Create(int[] tokens, double heldOutShare, long seed)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var blocks = new List<int[]>();
        for (var start = 0; start + 2 <= tokens.Length; start += BlockLength)
            blocks.Add(tokens[start..Math.Min(tokens.Length, start + BlockLength)]);
        if (blocks.Count < 2) throw new ArgumentException($"The text must hold at least two blocks of {BlockLength} bytes.", nameof(tokens));
        var order = Enumerable.Range(0, blocks.Count).ToArray();
        new Random(unchecked((int)seed ^ 0x5B117)).Shuffle(order);
        var held = Math.Clamp((int)Math.Round(blocks.Count * heldOutShare), 1, blocks.Count - 1);
        var heldSet = order.Take(held).ToHashSet();
        return new TextSplit(
            [.. Enumerable.Range(0, blocks.Count).Where(i => !heldSet.Contains(i)).Select(i => blocks[i])],
            [.. Enumerable.Range(0, blocks.Count).Where(heldSet.Contains).Select(i => blocks[i])]);
    }

    /// <summary>Scored positions of a set of blocks: every token but each block's first.</summary>
    public static long ScoredTokens(IEnumerable<int[]> blocks) => blocks.Sum(b => (long)b.Length - 1);
}
