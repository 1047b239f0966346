using System.Diagnostics;
using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.Shared;
using TorchSharp;
using static TorchSharp.torch;

namespace LayerLab.Training.Experiments.IclRetrieval;

/// <summary>Exact references on the held-out set: union-find's accuracy (1 by construction, computed, not assumed),
/// the share of the majority class, and chance (½ for a yes/no answer).</summary>
public sealed record IsTreeReferences(double Exact, double Majority, double Chance);

/// <summary>What a finished run measured on the held-out graphs.</summary>
/// <param name="TraceExact">Share of held-out graphs whose generated DFS trace (and END) is exactly right; NaN without CoT.</param>
public sealed record RetrievalOutcome(
    double TestAccuracy, double TraceExact, double TrainLoss, IsTreeReferences References, long ParameterCount, int Width,
    double TrainSeconds);

/// <summary>
/// The training loop: a fresh batch of graphs per step, cross-entropy on the completion only (the trace, END and the
/// answer with CoT; the answer alone without), AdamW. Evaluation generates greedily: without CoT the answer is the
/// likelier of TRUE/FALSE after QUERY; with CoT the model writes n + 2 tokens and the token after its first END is
/// its answer (no END, or anything but TRUE/FALSE there, counts as wrong).
/// Synchronous and thread-affine; <see cref="IclRetrievalExperiment"/> runs it on a dedicated thread.
/// </summary>
public static class IclRetrievalTrainer
{
    private const int EvalChunk = 256;
    private const long Ignored = -100;

    public static RetrievalOutcome Run(
        IclRetrievalSettings settings, long seed, Device device, Action<LiveReport> report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(device);
        cancellationToken.ThrowIfCancellationRequested();
        using var threads = device.type == DeviceType.CPU ? SingleIntraOpThread.Enter() : null;

        using var training = new RetrievalTraining<IsTreeExample>(settings, seed, device, settings.TestGraphs, rng => IsTreeData.Generate(settings.Nodes, rng));
        var (test, model, optimizer) = (training.Test, training.Model, training.Optimizer);
        var references = References(test);

        var watch = Stopwatch.StartNew();
        var (accuracy, traceExact) = Evaluate(model, test, settings.ChainOfThought, device);
        report(new LiveReport(0, 0, Metrics(accuracy, traceExact)));
        var trainLoss = double.NaN;
        for (var step = 1; step <= settings.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = training.NextBatch(settings.Batch);
            var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
            using (var scope = NewDisposeScope())
            {
                model.train();
                var (input, target) = Batch(batch, settings.ChainOfThought, device);
                var logits = model.forward(input);
                var loss = nn.functional.cross_entropy(
                    logits.reshape(-1, IsTreeTokens.Vocabulary), target.reshape(-1), ignore_index: Ignored);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                if (step % settings.TrainReportEvery == 0 || step == settings.Steps)
                {
                    trainLoss = loss.item<float>();
                    TrainingDivergedException.ThrowIfNotFinite(trainLoss, step);
                    metrics["train_loss"] = trainLoss;
                }
            }
            if (step % settings.EvalEvery == 0 || step == settings.Steps)
            {
                (accuracy, traceExact) = Evaluate(model, test, settings.ChainOfThought, device);
                foreach (var (k, v) in Metrics(accuracy, traceExact)) metrics[k] = v;
            }
            if (metrics.Count > 0) report(new LiveReport(step, (double)step / settings.Steps, metrics));
        }
        return new RetrievalOutcome(accuracy, traceExact, trainLoss, references, training.ParameterCount, training.Width, watch.Elapsed.TotalSeconds);
    }

    private static Dictionary<string, double> Metrics(double accuracy, double traceExact)
    {
        var m = new Dictionary<string, double>(StringComparer.Ordinal) { ["test_accuracy"] = accuracy };
        if (double.IsFinite(traceExact)) m["trace_exact"] = traceExact;
        return m;
    }

    /// <summary>Union-find's accuracy against the generator's labels, the majority share and chance.</summary>
    public static IsTreeReferences References(IReadOnlyList<IsTreeExample> test)
    {
        ArgumentNullException.ThrowIfNull(test);
        var exact = test.Count(e => UnionFind.IsTree(e.Nodes, e.Edges) == e.IsTree) / (double)test.Count;
        var trues = test.Count(e => e.IsTree) / (double)test.Count;
        return new IsTreeReferences(exact, Math.Max(trues, 1 - trues), 0.5);
    }

    /// <summary>Teacher-forced input [B, L] and targets [B, L] (−100 where no loss: the prompt and the padding).</summary>
    public static (Tensor Input, Tensor Target) Batch(IReadOnlyList<IsTreeExample> examples, bool chainOfThought, Device device)
    {
        ArgumentNullException.ThrowIfNull(examples);
        var nodes = examples[0].Nodes;
        var promptLength = IsTreeData.PromptLength(nodes);
        var total = promptLength + IsTreeData.CompletionLength(nodes, chainOfThought);
        var (b, l) = (examples.Count, total - 1);
        var input = new long[b * l];
        var target = new long[b * l];
        for (var i = 0; i < b; i++)
        {
            var (prompt, completion) = IsTreeData.Tokens(examples[i], chainOfThought);
            var sequence = prompt.Concat(completion).ToList();
            while (sequence.Count < total) sequence.Add(IsTreeTokens.Pad);
            for (var t = 0; t < l; t++)
            {
                input[(i * l) + t] = sequence[t];
                var isCompletion = t + 1 >= promptLength && t + 1 < promptLength + completion.Count;
                target[(i * l) + t] = isCompletion ? sequence[t + 1] : Ignored;
            }
        }
        return (tensor(input, [b, l]).to(device), tensor(target, [b, l]).to(device));
    }

    /// <summary>Answer accuracy and (with CoT) the share of exactly right traces, generated greedily.</summary>
    public static (double Accuracy, double TraceExact) Evaluate(
        nn.Module<Tensor, Tensor> model, IReadOnlyList<IsTreeExample> test, bool chainOfThought, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(test);
        model.eval();
        int correct = 0, traces = 0;
        for (var start = 0; start < test.Count; start += EvalChunk)
        {
            var chunk = test.Skip(start).Take(EvalChunk).ToList();
            var generated = Generate(model, chunk, chainOfThought, device);
            for (var i = 0; i < chunk.Count; i++)
            {
                var (answer, traceRight) = Read(chunk[i], generated[i], chainOfThought);
                if (answer == chunk[i].IsTree) correct++;
                if (traceRight) traces++;
            }
        }
        model.train();
        return (correct / (double)test.Count, chainOfThought ? traces / (double)test.Count : double.NaN);
    }

    /// <summary>The completion the model writes after each prompt: one token without CoT (TRUE or FALSE, whichever
    /// is likelier), n + 2 greedy tokens with CoT.</summary>
    public static long[][] Generate(nn.Module<Tensor, Tensor> model, IReadOnlyList<IsTreeExample> examples, bool chainOfThought, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(examples);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var nodes = examples[0].Nodes;
        var prompts = examples.SelectMany(e => IsTreeData.Tokens(e, chainOfThought).Prompt.Select(t => (long)t)).ToArray();
        var sequence = tensor(prompts, [examples.Count, IsTreeData.PromptLength(nodes)]).to(device);
        if (!chainOfThought)
        {
            var last = model.forward(sequence).select(1, -1);
            var isTrue = last.select(-1, IsTreeTokens.True).gt(last.select(-1, IsTreeTokens.False)).cpu().data<bool>().ToArray();
            return isTrue.Select(t => new long[] { t ? IsTreeTokens.True : IsTreeTokens.False }).ToArray();
        }
        var steps = IsTreeData.CompletionLength(nodes, true);
        for (var s = 0; s < steps; s++)
        {
            var next = model.forward(sequence).select(1, -1).argmax(-1).unsqueeze(1);
            sequence = cat([sequence, next], 1);
        }
        var written = sequence.narrow(1, sequence.shape[1] - steps, steps).cpu().data<long>().ToArray();
        return Enumerable.Range(0, examples.Count).Select(i => written.AsSpan(i * steps, steps).ToArray()).ToArray();
    }

    /// <summary>The answer a completion gives (null when malformed) and whether its trace is exactly the DFS trace.</summary>
    public static (bool? Answer, bool TraceRight) Read(IsTreeExample example, IReadOnlyList<long> completion, bool chainOfThought)
    {
        ArgumentNullException.ThrowIfNull(example);
        ArgumentNullException.ThrowIfNull(completion);
        var at = 0;
        var traceRight = false;
        if (chainOfThought)
        {
            var end = completion.ToList().IndexOf(IsTreeTokens.End);
            if (end < 0 || end + 1 >= completion.Count) return (null, false);
            traceRight = completion.Take(end).SequenceEqual(example.Trace.Select(t => (long)t));
            at = end + 1;
        }
        return completion[at] switch
        {
            IsTreeTokens.True => (true, traceRight),
            IsTreeTokens.False => (false, traceRight),
            _ => (null, traceRight),
        };
    }
}
