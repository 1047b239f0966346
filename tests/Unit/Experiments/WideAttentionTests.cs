using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.WideAttention;
using TorchSharp;
using static TorchSharp.torch;

namespace LayerLab.Tests.Unit.Experiments;

public sealed class WideAttentionTests
{
    [Theory]
    [InlineData("[MAX 2 9 [MIN 4 7 ] 0 ]", 9)]                   // max(2, 9, min(4, 7) = 4, 0)
    [InlineData("[MIN 3 [MAX 1 8 ] 5 ]", 3)]                     // min(3, 8, 5)
    [InlineData("[SM 7 8 9 ]", 4)]                               // 24 mod 10
    [InlineData("[MED 1 5 9 ]", 5)]
    [InlineData("[MED 2 7 ]", 4)]                                // (2 + 7) / 2 = 4.5, floored as int(np.median)
    [InlineData("[MED 3 1 4 1 ]", 2)]                            // sorted 1 1 3 4: (1 + 3) / 2
    [InlineData("[SM 3 [MED 1 5 9 ] [MAX 0 6 ] ]", 4)]           // 3 + 5 + 6 = 14 → 4
    [InlineData("[MIN [SM 9 9 ] [MAX [MED 8 2 6 ] 1 ] ]", 6)]    // min(18 mod 10 = 8, max(6, 1) = 6)
    public void Evaluator_matches_hand_worked_expressions(string expression, int expected)
    {
        var node = ListOpsData.Parse(expression);
        Assert.Equal(expected, ListOpsData.Evaluate(node));
        Assert.Equal(expression, ListOpsData.Format(node));
    }

    [Fact]
    public void Tokens_are_operators_digits_and_closing_brackets()
    {
        var tokens = ListOpsData.Tokens(ListOpsData.Parse("[MAX 2 [SM 4 7 ] ]"));
        Assert.Equal([ListOpsData.OpToken(ListOp.Max), 2, ListOpsData.OpToken(ListOp.Sm), 4, 7, ListOpsData.Close, ListOpsData.Close], tokens);
    }

    [Fact]
    public void Generator_is_seeded_the_same_in_every_process_and_respects_depth_arguments_and_length()
    {
        // Pinned: a process-salted seed (HashCode.Combine) would change these from one process to the next.
        Assert.Equal(1_703_865_447, ListOpsData.Mix(1, 1));   // SplitMix64 of 1 + 2·golden ratio, computed independently in Python
        var (tokens, labels) = ListOpsData.Dataset(5, 2, 500, 3, 4, 40);
        var (again, againLabels) = ListOpsData.Dataset(5, 2, 500, 3, 4, 40);
        Assert.Equal(tokens, again);
        Assert.Equal(labels, againLabels);
        Assert.NotEqual(tokens, ListOpsData.Dataset(6, 2, 500, 3, 4, 40).Tokens);
        Assert.NotEqual(tokens, ListOpsData.Dataset(5, 1, 500, 3, 4, 40).Tokens);
        var random = new Random(1);
        var depths = new HashSet<int>();
        for (var i = 0; i < 300; i++)
        {
            var node = ListOpsData.Generate(random, 3, 4, 40);
            depths.Add(ListOpsData.Depth(node));
            Assert.InRange(ListOpsData.Depth(node), 1, 3);
            Assert.InRange(ListOpsData.Tokens(node).Count, 4, 40);
            Assert.All(Nodes(node).OfType<ListOpsApply>(), a => Assert.InRange(a.Args.Count, 2, 4));
        }
        Assert.Equal([1, 2, 3], depths.Order());   // nesting happens, to the full depth
        // Each row is an expression then padding, and its label is the evaluator's answer to it.
        for (var i = 0; i < 50; i++)
        {
            var row = tokens.Skip(i * 40).Take(40).TakeWhile(t => t != ListOpsData.Pad).ToArray();
            Assert.All(tokens.Skip((i * 40) + row.Length).Take(40 - row.Length), t => Assert.Equal(ListOpsData.Pad, t));
            Assert.Equal(labels[i], ListOpsData.Evaluate(Decode(row)));
        }
    }

    [Fact]
    public void Majority_reference_is_the_most_frequent_labels_share()
    {
        Assert.Equal(0.5, ListOpsData.MajorityAccuracy([3, 3, 1, 2]));
        Assert.Equal(1.0, ListOpsData.MajorityAccuracy([7]));
        var (_, labels) = ListOpsData.Dataset(1, 2, 2_000, 3, 4, 48);
        Assert.All(labels, l => Assert.InRange(l, 0, 9));
        Assert.Equal(10, labels.Distinct().Count());
        Assert.InRange(ListOpsData.MajorityAccuracy(labels), 0.1, 0.3);
    }

    [Theory]
    [InlineData("6x4", 6, 4)]
    [InlineData("3x8", 3, 8)]
    [InlineData("1x24", 1, 24)]
    public void Every_shape_has_24_heads_of_width_over_heads_and_ten_logits(string key, int layers, int heads)
    {
        var shape = AttentionShape.Parse(key);
        random.manual_seed(3);
        using var model = new WideAttentionModel(shape, 48, Readout.Mean, 20);
        Assert.Equal(layers, model.Layers.Count);
        Assert.All(model.Layers, l => Assert.Equal(heads, l.Heads));
        Assert.Equal(AttentionShape.TotalHeads, model.Layers.Sum(l => l.Heads));
        // Per layer: 2 LayerNorms (2·2·48), qkv (48·144 + 144), proj (48·48 + 48), feed-forward 48 → 96 → 48.
        var perLayer = (4 * 48) + (48 * 144) + 144 + (48 * 48) + 48 + (48 * 96) + 96 + (96 * 48) + 48;
        var rest = (ListOpsData.Vocabulary * 48) + (21 * 48) + (2 * 48) + (48 * 10) + 10;
        Assert.Equal(rest + (layers * perLayer), model.parameters().Sum(p => p.numel()));
        using var noGrad = no_grad();
        var (tokens, _) = ListOpsData.Dataset(1, 2, 5, 2, 3, 20);
        using var logits = model.forward(tensor(tokens, [5, 20]));
        Assert.Equal([5, 10], logits.shape);
    }

    [Theory]
    [InlineData(Readout.Mean)]
    [InlineData(Readout.Cls)]
    public void Padding_changes_nothing_because_padded_keys_and_positions_are_masked(Readout readout)
    {
        random.manual_seed(4);
        using var model = new WideAttentionModel(new AttentionShape(3, 8), 48, readout, 30);
        long[] expression = [.. ListOpsData.Tokens(ListOpsData.Parse("[SM 3 [MED 1 5 9 ] [MAX 0 6 ] ]")).Select(t => (long)t)];
        long[] Padded(int length) => [.. expression, .. Enumerable.Repeat((long)ListOpsData.Pad, length - expression.Length)];
        using var noGrad = no_grad();
        model.eval();
        using var shortLogits = model.forward(tensor(Padded(14), [1, 14]));
        using var longLogits = model.forward(tensor(Padded(30), [1, 30]));
        var (a, b) = (shortLogits.data<float>().ToArray(), longLogits.data<float>().ToArray());
        for (var i = 0; i < 10; i++) Assert.Equal(a[i], b[i], 4);
    }

    [Fact]
    public void A_tiny_wide_model_learns_single_operators_far_above_chance_and_reports_its_timings()
    {
        var settings = WideAttentionSettings.From(WideAttentionSettings.Parameters(
            ("steps", 200L), ("eval_every", 200L), ("test_examples", 256L), ("max_depth", 1L), ("max_args", 3L), ("max_length", 16L)));
        var outcome = WideAttentionTrainer.Run(settings, 1, CPU, _ => { }, CancellationToken.None);
        Assert.True(outcome.Accuracy > outcome.Majority + 0.2, $"accuracy {outcome.Accuracy}, majority {outcome.Majority}");
        Assert.True(outcome.StepMs > 0 && outcome.ForwardMs > 0 && outcome.ForwardMs < outcome.StepMs * 10);
        // Thread CPU time: positive, and never more than the wall time of the same steps (one intra-op thread).
        if (OperatingSystem.IsLinux()) Assert.InRange(outcome.StepCpuMs, 0.01, outcome.StepMs * 1.05);
        Assert.StartsWith("Learned", WideAttentionExperiment.Verdict(settings.Shape, outcome), StringComparison.Ordinal);
        Assert.StartsWith("Not learned", WideAttentionExperiment.Verdict(settings.Shape, outcome with { Accuracy = outcome.Majority + 0.01 }), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("shape", "2x12")]
    [InlineData("shape", "6x8")]
    [InlineData("width", "64")]
    [InlineData("readout", "max")]
    [InlineData("max_depth", "0")]
    [InlineData("max_args", "7")]
    [InlineData("max_length", "500")]
    [InlineData("batch", "0")]
    public void Bad_parameters_are_refused_per_field(string field, string value)
    {
        var result = ParameterValidation.Validate(new WideAttentionExperiment().Parameters, new Dictionary<string, string?> { [field] = value });
        Assert.Equal([field], result.Errors.Keys);
    }

    private static ListOpsNode Decode(long[] tokens)
    {
        var position = 0;
        ListOpsNode Next()
        {
            var t = (int)tokens[position++];
            if (t < 10) return new ListOpsDigit(t);
            var args = new List<ListOpsNode>();
            while (tokens[position] != ListOpsData.Close) args.Add(Next());
            position++;
            return new ListOpsApply((ListOp)(t - 10), args);
        }
        return Next();
    }

    private static IEnumerable<ListOpsNode> Nodes(ListOpsNode node) =>
        node is ListOpsApply a ? a.Args.SelectMany(Nodes).Prepend(node) : [node];
}
