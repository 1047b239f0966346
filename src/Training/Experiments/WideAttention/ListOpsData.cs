using System.Globalization;
using System.Text;

namespace LayerLab.Training.Experiments.WideAttention;

/// <summary>A ListOps operator: MIN, MAX, MED (median; for an even count the floor of the two middle values' mean, as
/// the original data set's int(np.median)) and SM (sum modulo 10).</summary>
public enum ListOp { Min, Max, Med, Sm }

/// <summary>A ListOps expression: a digit 0–9 or an operator applied to a list of sub-expressions.</summary>
public abstract record ListOpsNode;

public sealed record ListOpsDigit(int Value) : ListOpsNode;

public sealed record ListOpsApply(ListOp Op, IReadOnlyList<ListOpsNode> Args) : ListOpsNode;

/// <summary>
/// Synthetic ListOps (Nangia &amp; Bowman 2018; the LRA task used by arXiv 2210.00640), kept short for CPU: nested
/// MIN/MAX/MED/SM over digits with a bounded depth, argument count and token length. Labels come from the exact
/// evaluator, so the task has a ground truth of 100 % accuracy and ten classes (chance 10 %).
/// </summary>
public static class ListOpsData
{
    /// <summary>Token ids: digits 0–9, the four opening operators 10–13, the closing bracket, padding, and a CLS token
    /// (used only by the CLS read-out, put in front of the expression).</summary>
    public const int Close = 14, Pad = 15, Cls = 16, Vocabulary = 17;

    /// <summary>Chance accuracy: ten equally likely guesses.</summary>
    public const double Chance = 0.1;

    public static int OpToken(ListOp op) => 10 + (int)op;

    public static int Evaluate(ListOpsNode node) => node switch
    {
        ListOpsDigit d => d.Value,
        ListOpsApply a => Apply(a.Op, [.. a.Args.Select(Evaluate)]),
        _ => throw new ArgumentOutOfRangeException(nameof(node)),
    };

    public static int Apply(ListOp op, IReadOnlyList<int> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("An operator needs at least one argument.", nameof(values));
        switch (op)
        {
            case ListOp.Min: return values.Min();
            case ListOp.Max: return values.Max();
            case ListOp.Sm: return values.Sum() % 10;
            case ListOp.Med:
                var sorted = values.Order().ToArray();
                var mid = sorted.Length / 2;
                return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2; // int division floors
            default: throw new ArgumentOutOfRangeException(nameof(op));
        }
    }

    /// <summary>The expression's tokens: "[MAX 2 9 [MIN 4 7 ] 0 ]" is MAX, 2, 9, MIN, 4, 7, ], 0, ].</summary>
    public static List<int> Tokens(ListOpsNode node)
    {
        var tokens = new List<int>();
        void Walk(ListOpsNode n)
        {
            switch (n)
            {
                case ListOpsDigit d: tokens.Add(d.Value); break;
                case ListOpsApply a:
                    tokens.Add(OpToken(a.Op));
                    foreach (var arg in a.Args) Walk(arg);
                    tokens.Add(Close);
                    break;
            }
        }
        Walk(node);
        return tokens;
    }

    public static string Format(ListOpsNode node) => node switch
    {
        ListOpsDigit d => d.Value.ToString(CultureInfo.InvariantCulture),
        ListOpsApply a => new StringBuilder("[").Append(a.Op.ToString().ToUpperInvariant()).Append(' ')
            .AppendJoin(' ', a.Args.Select(Format)).Append(" ]").ToString(),
        _ => "",
    };

    /// <summary>Parses the bracket form back (for hand-worked tests): "[SM 3 [MED 1 5 9 ] ]".</summary>
    public static ListOpsNode Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Replace("[", " [", StringComparison.Ordinal).Replace("]", " ] ", StringComparison.Ordinal)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var position = 0;
        ListOpsNode Next()
        {
            var part = parts[position++];
            if (part.Length == 1 && char.IsAsciiDigit(part[0])) return new ListOpsDigit(part[0] - '0');
            if (!part.StartsWith('[')) throw new FormatException($"Unexpected '{part}'.");
            var op = Enum.Parse<ListOp>(part[1..], ignoreCase: true);
            var args = new List<ListOpsNode>();
            while (parts[position] != "]") args.Add(Next());
            position++;
            return new ListOpsApply(op, args);
        }
        var root = Next();
        if (position != parts.Length) throw new FormatException("Trailing tokens.");
        return root;
    }

    /// <summary>
    /// One seeded expression: the root is an operator; each argument is a nested operator with probability
    /// <paramref name="nestProbability"/> while the depth allows, else a digit; 2…<paramref name="maxArgs"/> arguments
    /// per operator. Expressions longer than <paramref name="maxLength"/> tokens are redrawn (from the same stream, so
    /// still determined by the seed).
    /// </summary>
    public static ListOpsNode Generate(Random random, int maxDepth, int maxArgs, int maxLength, double nestProbability = DefaultNest)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDepth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxArgs, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, maxArgs + 2);
        while (true)
        {
            var node = Node(random, 1, maxDepth, maxArgs, nestProbability);
            if (Tokens(node).Count <= maxLength) return node;
        }
    }

    /// <summary>Probability that an argument is itself an operator (while the depth allows).</summary>
    public const double DefaultNest = 0.3;

    private static ListOpsApply Node(Random random, int depth, int maxDepth, int maxArgs, double nest)
    {
        var op = (ListOp)random.Next(4);
        var count = random.Next(2, maxArgs + 1);
        var args = new List<ListOpsNode>(count);
        for (var i = 0; i < count; i++)
            args.Add(depth < maxDepth && random.NextDouble() < nest
                ? Node(random, depth + 1, maxDepth, maxArgs, nest)
                : new ListOpsDigit(random.Next(10)));
        return new ListOpsApply(op, args);
    }

    public static int Depth(ListOpsNode node) => node is ListOpsApply a ? 1 + a.Args.Max(Depth) : 0;

    /// <summary>
    /// <paramref name="count"/> examples drawn from <paramref name="random"/>: tokens [count, maxLength] padded with
    /// <see cref="Pad"/> (expression first, padding after) and exact labels [count].
    /// </summary>
    public static (long[] Tokens, long[] Labels) Batch(Random random, int count, int maxDepth, int maxArgs, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(random);
        var tokens = new long[count * maxLength];
        Array.Fill(tokens, Pad);
        var labels = new long[count];
        for (var i = 0; i < count; i++)
        {
            var node = Generate(random, maxDepth, maxArgs, maxLength);
            var t = Tokens(node);
            for (var k = 0; k < t.Count; k++) tokens[(i * maxLength) + k] = t[k];
            labels[i] = Evaluate(node);
        }
        return (tokens, labels);
    }

    /// <summary>A seeded data set: same seed and stream, same data in any process.</summary>
    public static (long[] Tokens, long[] Labels) Dataset(long seed, int stream, int count, int maxDepth, int maxArgs, int maxLength) =>
        Batch(new Random(Mix(seed, stream)), count, maxDepth, maxArgs, maxLength);

    /// <summary>A 32-bit seed from (seed, stream) by SplitMix64 — fixed arithmetic, unlike HashCode.Combine, which is
    /// salted per process and would give each process different data for one seed.</summary>
    public static int Mix(long seed, int stream)
    {
        unchecked
        {
            var z = (ulong)seed + (0x9E3779B97F4A7C15UL * (ulong)(stream + 1));
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (int)(z & 0x7FFFFFFF);
        }
    }

    /// <summary>The majority-class reference: the accuracy of always answering the most frequent label.</summary>
    public static double MajorityAccuracy(IReadOnlyList<long> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return labels.Count == 0 ? 0 : labels.GroupBy(l => l).Max(g => g.Count()) / (double)labels.Count;
    }
}
