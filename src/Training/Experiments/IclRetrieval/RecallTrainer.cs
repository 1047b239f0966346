using System.Diagnostics;
using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.Shared;
using TorchSharp;
using static TorchSharp.torch;

namespace LayerLab.Training.Experiments.IclRetrieval;

/// <summary>
/// The recall task's training loop: a fresh batch of sequences per step, cross-entropy at the query tokens only (the
/// next token there is the answer; the pairs themselves are random and carry no loss), AdamW. Evaluation is one
/// teacher-forced pass: at each held-out query token the model's answer is the likeliest value token (restricted to
/// the value range, so chance is exactly 1/value_vocab); accuracy is the share of query tokens answered right.
/// Synchronous and thread-affine; <see cref="IclRetrievalExperiment"/> runs it on a dedicated thread.
/// </summary>
public static class RecallTrainer
{
    private const int EvalChunk = 512;
    private const long Ignored = -100;

    public static RetrievalOutcome Run(
        IclRetrievalSettings settings, long seed, Device device, Action<LiveReport> report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(device);
        cancellationToken.ThrowIfCancellationRequested();
        using var threads = device.type == DeviceType.CPU ? SingleIntraOpThread.Enter() : null;

        using var training = new RetrievalTraining<RecallExample>(settings, seed, device, settings.TestSequences, rng => Generate(settings, rng));
        var (test, model, optimizer) = (training.Test, training.Model, training.Optimizer);
        var references = References(test, settings.ValueVocabulary);

        var watch = Stopwatch.StartNew();
        var accuracy = Evaluate(model, test, settings, device);
        report(new LiveReport(0, 0, new Dictionary<string, double>(StringComparer.Ordinal) { ["test_accuracy"] = accuracy }));
        var trainLoss = double.NaN;
        for (var step = 1; step <= settings.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = training.NextBatch(settings.Batch);
            var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
            using (var scope = NewDisposeScope())
            {
                model.train();
                var (input, target) = Batch(batch, settings, device);
                var logits = model.forward(input);
                var loss = nn.functional.cross_entropy(logits.reshape(-1, settings.Vocabulary), target.reshape(-1), ignore_index: Ignored);
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
                metrics["test_accuracy"] = accuracy = Evaluate(model, test, settings, device);
            if (metrics.Count > 0) report(new LiveReport(step, (double)step / settings.Steps, metrics));
        }
        return new RetrievalOutcome(accuracy, double.NaN, trainLoss, references, training.ParameterCount, training.Width, watch.Elapsed.TotalSeconds);
    }

    public static RecallExample Generate(IclRetrievalSettings settings, Random rng)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return RecallData.Generate(settings.Pairs, settings.Queries, settings.KeyVocabulary, settings.ValueVocabulary, rng);
    }

    /// <summary>The exact lookup's accuracy against the generator's answers (1 by construction; computed, so a wrong
    /// answer is caught), the share of the most frequent answer value (the best constant guess), and chance 1/V.</summary>
    public static IsTreeReferences References(IReadOnlyList<RecallExample> test, int valueVocabulary)
    {
        ArgumentNullException.ThrowIfNull(test);
        var answers = test.SelectMany(e => e.Answers).ToList();
        var exact = test.Sum(e => RecallData.Lookup(e).Zip(e.Answers).Count(p => p.First == p.Second)) / (double)answers.Count;
        var majority = answers.GroupBy(a => a).Max(g => g.Count()) / (double)answers.Count;
        return new IsTreeReferences(exact, majority, 1.0 / valueVocabulary);
    }

    /// <summary>Input [B, L] (the sequence but its last token) and targets [B, L]: the answer at each query token,
    /// −100 (no loss) everywhere else.</summary>
    public static (Tensor Input, Tensor Target) Batch(IReadOnlyList<RecallExample> examples, IclRetrievalSettings settings, Device device)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(settings);
        var (b, l) = (examples.Count, RecallData.InputLength(settings.Pairs, settings.Queries));
        var input = new long[b * l];
        var target = new long[b * l];
        Array.Fill(target, Ignored);
        for (var i = 0; i < b; i++)
        {
            var tokens = RecallData.Tokens(examples[i], settings.KeyVocabulary);
            for (var t = 0; t < l; t++) input[(i * l) + t] = tokens[t];
            for (var j = 0; j < settings.Queries; j++)
            {
                var at = RecallData.QueryPosition(settings.Pairs, j);
                target[(i * l) + at] = tokens[at + 1];
            }
        }
        return (tensor(input, [b, l]).to(device), tensor(target, [b, l]).to(device));
    }

    /// <summary>The model's answer (a value id, 0…V − 1) at each query of each example: the likeliest value token.</summary>
    public static int[][] Answers(nn.Module<Tensor, Tensor> model, IReadOnlyList<RecallExample> examples, IclRetrievalSettings settings, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(settings);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (input, _) = Batch(examples, settings, device);
        var positions = tensor(Enumerable.Range(0, settings.Queries).Select(j => (long)RecallData.QueryPosition(settings.Pairs, j)).ToArray()).to(device);
        var logits = model.forward(input).index_select(1, positions).narrow(-1, settings.KeyVocabulary, settings.ValueVocabulary);
        var flat = logits.argmax(-1).cpu().data<long>().ToArray();
        return Enumerable.Range(0, examples.Count)
            .Select(i => flat.AsSpan(i * settings.Queries, settings.Queries).ToArray().Select(v => (int)v).ToArray()).ToArray();
    }

    /// <summary>Share of held-out query tokens answered with the paired value.</summary>
    public static double Evaluate(nn.Module<Tensor, Tensor> model, IReadOnlyList<RecallExample> test, IclRetrievalSettings settings, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(test);
        model.eval();
        var correct = 0;
        for (var start = 0; start < test.Count; start += EvalChunk)
        {
            var chunk = test.Skip(start).Take(EvalChunk).ToList();
            var answers = Answers(model, chunk, settings, device);
            for (var i = 0; i < chunk.Count; i++) correct += answers[i].Zip(chunk[i].Answers).Count(p => p.First == p.Second);
        }
        model.train();
        return correct / (double)(test.Count * settings.Queries);
    }
}
