using System.Diagnostics;
using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.IclRetrieval;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace LayerLab.Tests.Unit.Experiments;

/// <summary>The recall task of icl-retrieval: multi-query associative recall (generator, references, models, a run).</summary>
public sealed class IclRetrievalRecallTests(ITestOutputHelper output)
{
    private static readonly IclRetrievalExperiment Experiment = new();

    private static Task<RunResult> Train(long seed, params (string, object)[] overrides) =>
        Experiment.TrainAsync(ExperimentHarness.Context(IclRetrievalSettings.Parameters([("task", "recall"), .. overrides]), seed), CancellationToken.None);

    [Theory]
    [InlineData(1, 1, 2, 2)]
    [InlineData(4, 4, 32, 32)]
    [InlineData(16, 5, 16, 3)]
    [InlineData(16, 16, 256, 64)]
    [InlineData(64, 64, 64, 256)]
    public void Generator_keys_are_distinct_queries_are_distinct_keys_and_answers_are_the_paired_values(int pairs, int queries, int keyVocabulary, int valueVocabulary)
    {
        var rng = new Random(pairs * 31 + queries);
        var examples = Enumerable.Range(0, 1000).Select(_ => RecallData.Generate(pairs, queries, keyVocabulary, valueVocabulary, rng)).ToList();
        foreach (var e in examples)
        {
            Assert.Equal(pairs, e.Keys.Count);
            Assert.Equal(pairs, e.Keys.Distinct().Count());
            Assert.All(e.Keys, k => Assert.InRange(k, 0, keyVocabulary - 1));
            Assert.All(e.Values, v => Assert.InRange(v, 0, valueVocabulary - 1));
            Assert.Equal(queries, e.Queries.Count);
            Assert.Equal(queries, e.Queries.Distinct().Count());
            for (var j = 0; j < queries; j++)
            {
                var at = e.Keys.ToList().IndexOf(e.Queries[j]);          // independent of the generator's bookkeeping
                Assert.True(at >= 0, "a query is a key of the pairs");
                Assert.Equal(e.Values[at], e.Answers[j]);
            }
        }
        // Every key and value of the vocabularies shows up, and the first query is not always the first pair.
        Assert.Equal(keyVocabulary, examples.SelectMany(e => e.Keys).Distinct().Count());
        Assert.Equal(valueVocabulary, examples.SelectMany(e => e.Values).Distinct().Count());
        if (pairs > 1) Assert.Contains(examples, e => e.Queries[0] != e.Keys[0]);
    }

    [Fact]
    public void Same_seed_gives_the_same_sequences_in_every_process_and_the_tokens_are_laid_out_as_in_mqar()
    {
        var a = RecallData.Generate(6, 3, 32, 32, new Random(11));
        var b = RecallData.Generate(6, 3, 32, 32, new Random(11));
        Assert.Equal(RecallData.Tokens(a, 32), RecallData.Tokens(b, 32));
        Assert.NotEqual(RecallData.Tokens(a, 32), RecallData.Tokens(RecallData.Generate(6, 3, 32, 32, new Random(12)), 32));
        // Pinned: a per-process hash (HashCode.Combine, string.GetHashCode) in the generator would change these.
        output.WriteLine(string.Join(", ", RecallData.Tokens(a, 32)));
        Assert.Equal([15, 58, 2, 62, 0, 42, 29, 42, 8, 44, 9, 33, 2, 62, 15, 58, 8, 44], RecallData.Tokens(a, 32));

        // k1 v1 … kN vN q1 a1 … : keys are tokens 0…K−1, values K…K+V−1; the target follows each query token.
        var e = new RecallExample([5, 2, 7], [0, 3, 1], [7, 5], [1, 0]);
        var tokens = RecallData.Tokens(e, 8);
        Assert.Equal([5, 8, 2, 11, 7, 9, 7, 9, 5, 8], tokens);
        Assert.Equal(7, tokens[RecallData.QueryPosition(3, 0)]);
        Assert.Equal(5, tokens[RecallData.QueryPosition(3, 1)]);
        Assert.Equal(9, RecallData.InputLength(3, 2));
        Assert.Equal([1, 0], RecallData.Lookup(e));
    }

    [Fact]
    public void References_are_exact_and_the_batch_scores_only_the_query_tokens()
    {
        // Answers 1, 0, 1, 1 over two sequences: the majority value is 1 (3 of 4), chance is 1/V.
        List<RecallExample> test = [new([5, 2, 7], [0, 3, 1], [7, 5], [1, 0]), new([1, 4, 6], [1, 1, 2], [4, 1], [1, 1])];
        var refs = RecallTrainer.References(test, valueVocabulary: 4);
        Assert.Equal(1.0, refs.Exact);
        Assert.Equal(0.75, refs.Majority);
        Assert.Equal(0.25, refs.Chance);
        // A wrong answer is caught by the lookup (the reference can fail).
        Assert.Equal(0.75, RecallTrainer.References([test[0] with { Answers = [2, 0] }, test[1]], 4).Exact);

        var settings = IclRetrievalSettings.From(IclRetrievalSettings.Parameters(
            ("task", "recall"), ("pairs", 3L), ("queries", 2L), ("key_vocab", 8L), ("value_vocab", 4L)));
        Assert.Equal(12, settings.Vocabulary);
        Assert.Equal(9, settings.MaxLength);
        using var scope = NewDisposeScope();
        var (input, target) = RecallTrainer.Batch(test, settings, CPU);
        Assert.Equal(new long[] { 5, 8, 2, 11, 7, 9, 7, 9, 5 }, input[0].data<long>().ToArray());
        Assert.Equal(new long[] { -100, -100, -100, -100, -100, -100, 9, -100, 8 }, target[0].data<long>().ToArray());
        Assert.Equal(new long[] { -100, -100, -100, -100, -100, -100, 9, -100, 9 }, target[1].data<long>().ToArray());
    }

    [Fact]
    public void Bad_recall_parameters_are_rejected_per_field_and_istree_ignores_the_recall_knobs()
    {
        var specs = Experiment.Parameters;
        var tooMany = ParameterValidation.Validate(specs, new Dictionary<string, string?> { ["task"] = "recall", ["pairs"] = "40", ["key_vocab"] = "32" });
        Assert.Equal(["pairs"], tooMany.Errors.Keys);
        var queries = ParameterValidation.Validate(specs, new Dictionary<string, string?> { ["task"] = "recall", ["pairs"] = "4", ["queries"] = "5" });
        Assert.Equal(["queries"], queries.Errors.Keys);
        var fields = ParameterValidation.Validate(specs, new Dictionary<string, string?>
        {
            ["task"] = "mqar", ["pairs"] = "0", ["queries"] = "65", ["value_vocab"] = "1", ["key_vocab"] = "100000", ["test_sequences"] = "2",
        });
        Assert.Equal(["key_vocab", "pairs", "queries", "task", "test_sequences", "value_vocab"], fields.Errors.Keys.Order());
        // IsTree runs (the default task) are not refused for recall knobs they do not use.
        Assert.True(ParameterValidation.Validate(specs, new Dictionary<string, string?> { ["pairs"] = "40", ["key_vocab"] = "32" }).IsValid);
        Assert.True(ParameterValidation.Validate(specs, new Dictionary<string, string?> { ["task"] = "recall", ["pairs"] = "32", ["queries"] = "32" }).IsValid);
        Assert.Equal(RetrievalTask.IsTree, IclRetrievalSettings.From(IclRetrievalSettings.Parameters()).Task);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(16)]
    public void Parameter_counts_of_the_five_models_match_within_10_percent_and_outputs_cover_keys_and_values(int pairs)
    {
        using var scope = NewDisposeScope();
        var counts = IclRetrievalSettings.ModelKeys.Select(m =>
        {
            var settings = IclRetrievalSettings.From(IclRetrievalSettings.Parameters(("task", "recall"), ("model", m), ("pairs", (long)pairs)));
            using var model = IclRetrievalModels.Create(settings, 1);
            using var noGrad = no_grad();
            var x = zeros([2, settings.MaxLength], ScalarType.Int64);
            Assert.Equal(new long[] { 2, settings.MaxLength, 64 }, model.forward(x).shape);
            return IclRetrievalModels.Count(model);
        }).ToList();
        output.WriteLine($"pairs={pairs}: {string.Join(", ", counts)}");
        Assert.All(counts, c => Assert.InRange(c, 0.95 * 20_000, 1.05 * 20_000));
        Assert.True(counts.Max() - counts.Min() <= 0.10 * counts.Average());
    }

    [Fact]
    public async Task Tiny_lstm_with_attention_learns_recall_above_chance_and_repeats_with_the_same_seed()
    {
        var watch = Stopwatch.StartNew();
        (string, object)[] tiny = [("model", "lstm_attention"), ("pairs", 4L), ("queries", 4L), ("key_vocab", 8L), ("value_vocab", 8L),
            ("steps", 300L), ("target_params", 5000L), ("test_sequences", 64L)];
        var result = await Train(1, tiny);
        output.WriteLine($"{watch.ElapsedMilliseconds} ms; {result.Verdict}");
        var s = result.Summary;
        foreach (var metric in Experiment.Metrics) Assert.True(s.ContainsKey(metric.Key), metric.Key);
        Assert.False(s.ContainsKey("trace_exact"));
        Assert.Equal(1.0, s["ref/exact"]);
        Assert.Equal(0.125, s["ref/chance"]);
        Assert.Contains(result.References, r => r.Label == "key-value lookup (exact)" && r.Value == 1.0);
        Assert.Contains("per query token", result.Verdict, StringComparison.Ordinal);
        // 256 scored tokens: two standard errors at the majority share (~0.16) are ~0.05; ask for far more.
        Assert.True(s["test_accuracy"] > s["ref/majority"] + 0.3, result.Verdict);
        var again = await Train(1, [.. tiny.Select(o => o.Item1 == "steps" ? ("steps", (object)3L) : o)]);
        var twice = await Train(1, [.. tiny.Select(o => o.Item1 == "steps" ? ("steps", (object)3L) : o)]);
        Assert.Equal(again.Summary["train_loss"], twice.Summary["train_loss"]);
        Assert.Equal(again.Summary["test_accuracy"], twice.Summary["test_accuracy"]);
    }
}
