namespace LayerLab.Training.Experiments.RefexCompose;

/// <summary>One grid: the 36 cell tokens (0 empty, 1 + 3·colour + shape for an object), the expression and the answer.</summary>
public sealed record RefexExample(int[] Cells, int Colour, int Shape, int Target);

/// <summary>
/// The referring-expression task (arXiv 2210.12786, simplified): a 6 × 6 grid holds objects of 3 colours × 3 shapes;
/// the expression names one (colour, shape) and exactly one cell holds it. Distractors make both attributes matter:
/// each shares the colour (⅓), the shape (⅓) or neither-necessarily (⅓) with the target but is never the target's pair,
/// so the match is unique. One pair is held out of training: by default it never appears on a training grid at all
/// (CATALOG.md: "held out of training"); with <c>distractorsMayHoldOut</c> it may still appear as a distractor, only
/// never as the target. The held-out test set asks only for it (its distractors are drawn as in training).
/// </summary>
public static class RefexData
{
    public const int Side = 6, Cells = Side * Side, Colours = 3, Shapes = 3;
    /// <summary>Token ids: cells 0–9, then colour words 10–12, shape words 13–15.</summary>
    public const int Vocabulary = 16, ColourToken = 10, ShapeToken = 13;
    /// <summary>Expression first (colour, shape), then the 36 cells row by row.</summary>
    public const int SequenceLength = 2 + Cells;

    public static int ObjectToken(int colour, int shape) => 1 + (Colours * colour) + shape;

    /// <param name="heldOut">The pair never asked for in training.</param>
    /// <param name="askHeldOut">True for the held-out test set (the target is the held-out pair); false draws the target
    /// uniformly from the other 8 pairs.</param>
    /// <param name="distractorsMayHoldOut">Training only: whether the held-out pair may appear as a distractor.</param>
    public static RefexExample Sample(Random random, (int Colour, int Shape) heldOut, bool askHeldOut, int distractors, bool distractorsMayHoldOut = false)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(distractors, Cells - 1);
        int colour, shape;
        if (askHeldOut) (colour, shape) = heldOut;
        else
        {
            do { (colour, shape) = (random.Next(Colours), random.Next(Shapes)); }
            while ((colour, shape) == heldOut);
        }
        var cells = new int[Cells];
        var order = Enumerable.Range(0, Cells).OrderBy(_ => random.Next()).ToArray();
        var target = order[0];
        cells[target] = ObjectToken(colour, shape);
        for (var i = 1; i <= distractors; i++)
        {
            int c, s;
            do
            {
                (c, s) = random.Next(3) switch
                {
                    0 => (colour, random.Next(Shapes)),
                    1 => (random.Next(Colours), shape),
                    _ => (random.Next(Colours), random.Next(Shapes)),
                };
            }
            while ((c, s) == (colour, shape) || (!askHeldOut && !distractorsMayHoldOut && (c, s) == heldOut));
            cells[order[i]] = ObjectToken(c, s);
        }
        return new RefexExample(cells, colour, shape, target);
    }

    public static List<RefexExample> Set(int count, int seed, (int, int) heldOut, bool askHeldOut, int distractors, bool distractorsMayHoldOut = false)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Sample(random, heldOut, askHeldOut, distractors, distractorsMayHoldOut))];
    }

    /// <summary>The token sequence a model reads: colour word, shape word, the cells.</summary>
    public static long[] Tokens(IReadOnlyList<RefexExample> examples)
    {
        ArgumentNullException.ThrowIfNull(examples);
        var tokens = new long[examples.Count * SequenceLength];
        for (var i = 0; i < examples.Count; i++)
        {
            var e = examples[i];
            var row = i * SequenceLength;
            tokens[row] = ColourToken + e.Colour;
            tokens[row + 1] = ShapeToken + e.Shape;
            for (var c = 0; c < Cells; c++) tokens[row + 2 + c] = e.Cells[c];
        }
        return tokens;
    }

    /// <summary>The exact reference: scan the cells for the named object (100 % by construction).</summary>
    public static int SymbolicMatch(RefexExample example)
    {
        ArgumentNullException.ThrowIfNull(example);
        return Array.IndexOf(example.Cells, ObjectToken(example.Colour, example.Shape));
    }
}
