using LayerLab.Training.Contracts;

namespace LayerLab.Training.Experiments.IclRetrieval;

public enum RetrievalModelKind { Lstm, Gru, Transformer1, Transformer2, LstmAttention }

/// <summary>The knobs of one icl-retrieval run, read from validated <see cref="RunParameters"/>.</summary>
public sealed record IclRetrievalSettings(
    RetrievalModelKind Model,
    int Nodes,
    bool ChainOfThought,
    int TargetParameters,
    double Lr,
    int Steps,
    int Batch,
    int TestGraphs)
{
    public static IclRetrievalSettings Default { get; } =
        new(RetrievalModelKind.Lstm, 8, true, 20_000, 3e-3, 1000, 64, 256);

    public static readonly string[] ModelKeys = ["lstm", "gru", "transformer1", "transformer2", "lstm_attention"];

    public static IReadOnlyList<ParameterSpec> Specs { get; } =
    [
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
        ParameterSpec.Integer("steps", Default.Steps, 1, 100_000, "Training steps; every step draws a fresh batch of graphs.") with { Role = ParameterRole.Steps },
        ParameterSpec.Integer("batch", Default.Batch, 1, 1024, "Graphs per training step.") with { Role = ParameterRole.Batch },
        ParameterSpec.Integer("test_graphs", Default.TestGraphs, 16, 4096,
            "Held-out graphs (drawn once per run from the seed) for the accuracy and the references."),
    ];

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
            checked((int)parameters.GetInt("test_graphs")));
    }

    /// <summary>The default parameters with some overridden (for tests and benchmarks).</summary>
    public static RunParameters Parameters(params (string Name, object Value)[] overrides) =>
        RunParameters.DefaultsWith(Specs, overrides);

    public string ModelKey => ModelKeys[(int)Model];

    /// <summary>Held-out accuracy every this many steps (~10 points per run: greedy CoT decoding costs n + 2 passes).</summary>
    public int EvalEvery => Math.Clamp(Steps / 10, 10, 500);

    public int TrainReportEvery => Math.Clamp(Steps / 200, 1, 10);

    /// <summary>Longest sequence the model reads: prompt plus completion minus the last token.</summary>
    public int MaxLength => IsTreeData.PromptLength(Nodes) + IsTreeData.CompletionLength(Nodes, ChainOfThought) - 1;
}
