using LayerLab.Training.Contracts;

namespace LayerLab.Training.Experiments.IclRetrieval;

public enum RetrievalModelKind { Lstm, Gru, Transformer1, Transformer2, LstmAttention }

/// <summary>Which task a run trains: IsTree (graphs, optional chain of thought) or multi-query associative recall.</summary>
public enum RetrievalTask { IsTree, Recall }

/// <summary>The knobs of one icl-retrieval run, read from validated <see cref="RunParameters"/>.</summary>
public sealed record IclRetrievalSettings(
    RetrievalModelKind Model,
    int Nodes,
    bool ChainOfThought,
    int TargetParameters,
    double Lr,
    int Steps,
    int Batch,
    int TestGraphs,
    RetrievalTask Task = RetrievalTask.IsTree,
    int Pairs = 8,
    int Queries = 4,
    int KeyVocabulary = 32,
    int ValueVocabulary = 32,
    int TestSequences = 256)
{
    public static IclRetrievalSettings Default { get; } =
        new(RetrievalModelKind.Lstm, 8, true, 20_000, 3e-3, 1000, 64, 256);

    public static readonly string[] ModelKeys = ["lstm", "gru", "transformer1", "transformer2", "lstm_attention"];
    public static readonly string[] TaskKeys = ["istree", "recall"];
    /// <summary>Largest key or value vocabulary: bounds the embedding (and so the run's memory) whatever is submitted.</summary>
    public const int MaxVocabulary = 256;
    /// <summary>Most pairs (and queries): sequences stay ≤ 255 tokens, so a batch's logits and attention stay ~0.5 GB.</summary>
    public const int MaxPairs = 64;

    public static IReadOnlyList<ParameterSpec> Specs { get; } =
    [
        ParameterSpec.Choice("task", "istree", TaskKeys,
            "istree = decide whether a graph is a tree (nodes, cot, test_graphs apply); recall = multi-query associative " +
            "recall, N key-value pairs then Q queries (pairs, queries, key_vocab, value_vocab, test_sequences apply). " +
            "The other task's knobs are ignored."),
        ParameterSpec.Choice("model", "lstm", ModelKeys,
            "lstm / gru = 1-layer TorchSharp recurrent network; transformer1/2 = 1- or 2-layer causal transformer (learned " +
            "positions, one head, MLP); lstm_attention = the LSTM with one causal attention layer added on top."),
        ParameterSpec.Integer("nodes", Default.Nodes, 4, IsTreeTokens.MaxNodes,
            "Graph size n: n nodes and n − 1 edges written as \"u-v\" tokens in random order (paper's sweep: 8…16)."),
        ParameterSpec.Flag("cot", Default.ChainOfThought,
            "Chain of thought: the model writes the DFS preorder from node 0 (and END) before TRUE/FALSE; at test time it is generated greedily."),
        ParameterSpec.Integer("target_params", Default.TargetParameters, 2_000, 500_000,
            "Parameter budget: each model takes the width whose parameter count is closest to this (all within 10 %)."),
        ParameterSpec.Real("lr", Default.Lr, 1e-5, 1, "AdamW learning rate (β 0.9/0.999, weight decay 0.01).", logScale: true),
        ParameterSpec.Integer("steps", Default.Steps, 1, 100_000, "Training steps; every step draws a fresh batch (of graphs or recall sequences).") with { Role = ParameterRole.Steps },
        ParameterSpec.Integer("batch", Default.Batch, 1, 1024, "Examples (graphs or recall sequences) per training step.") with { Role = ParameterRole.Batch },
        ParameterSpec.Integer("test_graphs", Default.TestGraphs, 16, 4096,
            "IsTree only: held-out graphs (drawn once per run from the seed) for the accuracy and the references."),
        ParameterSpec.Integer("pairs", Default.Pairs, 1, MaxPairs,
            "Recall only: number of key-value pairs N written before the queries (the size axis of recall; at most key_vocab, " +
            "since keys are distinct).") with { Check = PairsFitKeys },
        ParameterSpec.Integer("queries", Default.Queries, 1, MaxPairs,
            "Recall only: number of queries Q after the pairs, distinct keys of the pairs, each scored (at most pairs).")
            with { Check = QueriesFitPairs },
        ParameterSpec.Integer("key_vocab", Default.KeyVocabulary, 2, MaxVocabulary,
            "Recall only: key vocabulary; the N keys of a sequence are drawn from it without replacement."),
        ParameterSpec.Integer("value_vocab", Default.ValueVocabulary, 2, MaxVocabulary,
            "Recall only: value vocabulary; values drawn uniformly with replacement, so chance is 1/value_vocab."),
        ParameterSpec.Integer("test_sequences", Default.TestSequences, 16, 4096,
            "Recall only: held-out sequences (drawn once per run from the seed); accuracy is over their query tokens."),
    ];

    private static long Int(IReadOnlyDictionary<string, object> v, string name) =>
        Convert.ToInt64(v[name], System.Globalization.CultureInfo.InvariantCulture);

    private static bool RecallChosen(IReadOnlyDictionary<string, object> v) =>
        string.Equals(Convert.ToString(v["task"], System.Globalization.CultureInfo.InvariantCulture), "recall", StringComparison.OrdinalIgnoreCase);

    // Checked only for recall runs: an IsTree run keeps working whatever these (ignored) knobs say.
    private static string? PairsFitKeys(IReadOnlyDictionary<string, object> v) =>
        RecallChosen(v) && Int(v, "pairs") > Int(v, "key_vocab")
            ? $"At most key_vocab ({Int(v, "key_vocab")}) pairs: the keys of a sequence are distinct." : null;

    private static string? QueriesFitPairs(IReadOnlyDictionary<string, object> v) =>
        RecallChosen(v) && Int(v, "queries") > Int(v, "pairs")
            ? $"At most pairs ({Int(v, "pairs")}) queries: each key is asked at most once." : null;

    public static IclRetrievalSettings From(RunParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var key = parameters.GetString("model").ToLowerInvariant();
        var index = Array.IndexOf(ModelKeys, key);
        return new IclRetrievalSettings(
            index < 0 ? RetrievalModelKind.Lstm : (RetrievalModelKind)index,
            checked((int)parameters.GetInt("nodes")),
            parameters.GetBool("cot"),
            checked((int)parameters.GetInt("target_params")),
            parameters.GetDouble("lr"),
            checked((int)parameters.GetInt("steps")),
            checked((int)parameters.GetInt("batch")),
            checked((int)parameters.GetInt("test_graphs")),
            string.Equals(parameters.GetString("task"), "recall", StringComparison.OrdinalIgnoreCase) ? RetrievalTask.Recall : RetrievalTask.IsTree,
            checked((int)parameters.GetInt("pairs")),
            checked((int)parameters.GetInt("queries")),
            checked((int)parameters.GetInt("key_vocab")),
            checked((int)parameters.GetInt("value_vocab")),
            checked((int)parameters.GetInt("test_sequences")));
    }

    /// <summary>The default parameters with some overridden (for tests and benchmarks).</summary>
    public static RunParameters Parameters(params (string Name, object Value)[] overrides) =>
        RunParameters.DefaultsWith(Specs, overrides);

    public string ModelKey => ModelKeys[(int)Model];

    /// <summary>Held-out accuracy every this many steps (~10 points per run: greedy CoT decoding costs n + 2 passes).</summary>
    public int EvalEvery => Math.Clamp(Steps / 10, 10, 500);

    public int TrainReportEvery => Math.Clamp(Steps / 200, 1, 10);

    /// <summary>Longest sequence the model reads: prompt plus completion minus the last token (IsTree), or the
    /// pairs and queries minus the last answer (recall).</summary>
    public int MaxLength => Task == RetrievalTask.Recall
        ? RecallData.InputLength(Pairs, Queries)
        : IsTreeData.PromptLength(Nodes) + IsTreeData.CompletionLength(Nodes, ChainOfThought) - 1;

    /// <summary>Tokens the model reads and predicts: the IsTree language, or the keys followed by the values.</summary>
    public int Vocabulary => Task == RetrievalTask.Recall ? KeyVocabulary + ValueVocabulary : IsTreeTokens.Vocabulary;

    public bool IsRecall => Task == RetrievalTask.Recall;
}
