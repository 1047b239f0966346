namespace LayerLab.Training.Experiments.IclRetrieval;

/// <summary>The token ids of the IsTree language: nodes 0…15, then the punctuation. One vocabulary for every n so a
/// model's size does not depend on the graph size.</summary>
public static class IsTreeTokens
{
    public const int MaxNodes = 16;
    public const int Dash = 16;      // "u-v": u, Dash, v
    public const int Bos = 17;
    public const int Query = 18;     // "is it a tree?"; the answer (or the trace) follows
    public const int End = 19;       // closes the chain-of-thought trace
    public const int True = 20;
    public const int False = 21;
    public const int Pad = 22;       // after the answer, never a target
    public const int Vocabulary = 23;
}

/// <summary>One graph: its nodes, its edges in the order written, the label and the DFS trace.</summary>
public sealed record IsTreeExample(int Nodes, IReadOnlyList<(int U, int V)> Edges, bool IsTree, IReadOnlyList<int> Trace);

/// <summary>
/// Exact, seeded IsTree generator (arXiv 2402.18510, §5). Every graph has n nodes and exactly n − 1 edges, so the
/// edge count never gives the answer away: TRUE graphs are uniform random labelled trees (random Prüfer sequence);
/// FALSE graphs are such a tree with one edge removed (two components) and one edge added inside a component of
/// ≥ 3 nodes (a cycle), so they are disconnected. The label is a fair coin per example, drawn before the graph,
/// so the majority class is ~50 % (the portal reports the exact majority share of the held-out set). Edges are
/// written in random order and random orientation. The chain of thought is the DFS preorder from node 0, visiting
/// neighbours in ascending order; with n − 1 edges the graph is a tree iff that trace reaches all n nodes.
/// </summary>
public static class IsTreeData
{
    public static IsTreeExample Generate(int nodes, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (nodes < 4 || nodes > IsTreeTokens.MaxNodes) throw new ArgumentOutOfRangeException(nameof(nodes));
        var wantTree = rng.Next(2) == 1;
        var edges = RandomTree(nodes, rng);
        if (!wantTree) edges = Break(nodes, edges, rng);
        // Random order (Fisher–Yates) and orientation.
        for (var i = edges.Count - 1; i > 0; i--)
        {
            var j = rng.Next(i + 1);
            (edges[i], edges[j]) = (edges[j], edges[i]);
        }
        for (var i = 0; i < edges.Count; i++)
            if (rng.Next(2) == 1) edges[i] = (edges[i].V, edges[i].U);
        var isTree = UnionFind.IsTree(nodes, edges);
        if (isTree != wantTree) throw new InvalidOperationException("IsTree generator produced the wrong label.");
        return new IsTreeExample(nodes, edges, isTree, DepthFirstTrace(nodes, edges));
    }

    /// <summary>A uniform labelled tree from a random Prüfer sequence.</summary>
    public static List<(int U, int V)> RandomTree(int nodes, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var prufer = new int[nodes - 2];
        for (var i = 0; i < prufer.Length; i++) prufer[i] = rng.Next(nodes);
        var degree = new int[nodes];
        Array.Fill(degree, 1);
        foreach (var p in prufer) degree[p]++;
        var edges = new List<(int, int)>(nodes - 1);
        foreach (var p in prufer)
        {
            var leaf = Array.FindIndex(degree, d => d == 1);
            edges.Add((leaf, p));
            degree[leaf]--;
            degree[p]--;
        }
        var last = Enumerable.Range(0, nodes).Where(v => degree[v] == 1).ToArray();
        edges.Add((last[0], last[1]));
        return edges;
    }

    /// <summary>Removes one tree edge and adds a non-edge inside a component of ≥ 3 nodes: n − 1 edges, a cycle,
    /// two components. Retries the removed edge until such a component exists (always, for n ≥ 4 after few tries).</summary>
    private static List<(int U, int V)> Break(int nodes, List<(int U, int V)> tree, Random rng)
    {
        while (true)
        {
            var cut = rng.Next(tree.Count);
            var rest = tree.Where((_, i) => i != cut).ToList();
            var find = new UnionFind(nodes);
            foreach (var (u, v) in rest) find.Union(u, v);
            var candidates = new List<(int, int)>();
            for (var u = 0; u < nodes; u++)
                for (var v = u + 1; v < nodes; v++)
                    if (find.Find(u) == find.Find(v) && !rest.Contains((u, v)) && !rest.Contains((v, u)))
                        candidates.Add((u, v));
            if (candidates.Count == 0) continue;
            rest.Add(candidates[rng.Next(candidates.Count)]);
            return rest;
        }
    }

    /// <summary>DFS preorder from node 0, neighbours in ascending order (iterative, so the stack is explicit).</summary>
    public static List<int> DepthFirstTrace(int nodes, IReadOnlyList<(int U, int V)> edges)
    {
        ArgumentNullException.ThrowIfNull(edges);
        var adjacent = Adjacency(nodes, edges);
        var seen = new bool[nodes];
        var order = new List<int> { 0 };
        seen[0] = true;
        var stack = new Stack<int>();
        stack.Push(0);
        while (stack.Count > 0)
        {
            var next = adjacent[stack.Peek()].FirstOrDefault(w => !seen[w], -1);
            if (next < 0) { stack.Pop(); continue; }
            seen[next] = true;
            order.Add(next);
            stack.Push(next);
        }
        return order;
    }

    public static List<int>[] Adjacency(int nodes, IReadOnlyList<(int U, int V)> edges)
    {
        ArgumentNullException.ThrowIfNull(edges);
        var adjacent = Enumerable.Range(0, nodes).Select(_ => new List<int>()).ToArray();
        foreach (var (u, v) in edges) { adjacent[u].Add(v); adjacent[v].Add(u); }
        foreach (var list in adjacent) list.Sort();
        return adjacent;
    }

    /// <summary>The prompt (BOS, edges, QUERY) and the completion (trace and END when <paramref name="chainOfThought"/>,
    /// then the answer) as token ids.</summary>
    public static (List<int> Prompt, List<int> Completion) Tokens(IsTreeExample example, bool chainOfThought)
    {
        ArgumentNullException.ThrowIfNull(example);
        var prompt = new List<int> { IsTreeTokens.Bos };
        foreach (var (u, v) in example.Edges) prompt.AddRange([u, IsTreeTokens.Dash, v]);
        prompt.Add(IsTreeTokens.Query);
        var completion = new List<int>();
        if (chainOfThought) { completion.AddRange(example.Trace); completion.Add(IsTreeTokens.End); }
        completion.Add(example.IsTree ? IsTreeTokens.True : IsTreeTokens.False);
        return (prompt, completion);
    }

    /// <summary>Prompt length for n nodes (the same for every example of a size).</summary>
    public static int PromptLength(int nodes) => 2 + (3 * (nodes - 1));

    /// <summary>Longest completion for n nodes: a trace of all n nodes, END and the answer (or just the answer).</summary>
    public static int CompletionLength(int nodes, bool chainOfThought) => chainOfThought ? nodes + 2 : 1;
}

/// <summary>The exact reference: union-find with path halving. With n − 1 edges, a tree iff no edge closes a cycle.</summary>
public sealed class UnionFind
{
    private readonly int[] parent;

    public UnionFind(int nodes) => parent = Enumerable.Range(0, nodes).ToArray();

    public int Find(int x)
    {
        while (parent[x] != x) { parent[x] = parent[parent[x]]; x = parent[x]; }
        return x;
    }

    /// <returns>False when u and v were already connected (the edge closes a cycle).</returns>
    public bool Union(int u, int v)
    {
        var (a, b) = (Find(u), Find(v));
        if (a == b) return false;
        parent[a] = b;
        return true;
    }

    /// <summary>A graph is a tree iff it has n − 1 edges and none closes a cycle.</summary>
    public static bool IsTree(int nodes, IReadOnlyList<(int U, int V)> edges)
    {
        ArgumentNullException.ThrowIfNull(edges);
        if (edges.Count != nodes - 1) return false;
        var find = new UnionFind(nodes);
        return edges.All(e => find.Union(e.U, e.V));
    }
}
