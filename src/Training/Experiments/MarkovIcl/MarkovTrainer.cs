using System.Diagnostics;
using LayerLab.Training.Checkpoints;
using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.Shared;
using TorchSharp;
using static TorchSharp.torch;

namespace LayerLab.Training.Experiments.MarkovIcl;

/// <summary>What a finished run measured on the held-out set, and the exact references on that same set.</summary>
/// <param name="L1ToAddHalf">Mean |P_model(1) − P_add-½(1)|: with <paramref name="L1ToLaplace"/> it says which smoothing
/// the model learned (the CE gap alone cannot: Laplace and add-½ differ by far less than any CE tolerance).</param>
/// <param name="AddHalfCe">Held-out CE of the add-½ (Krichevsky–Trofimov) estimator on the same set.</param>
public sealed record MarkovOutcome(
    double TestCe, double L1ToLaplace, double TrainCe, MarkovReferences References, long ParameterCount, double TrainSeconds,
    double L1ToAddHalf = double.NaN, double AddHalfCe = double.NaN, double[]? ContextModelP1 = null, double[]? ContextLaplaceP1 = null);

/// <summary>
/// The training loop: a fresh batch of chains per step, next-bit cross-entropy on positions t = k … T−1, AdamW.
/// Synchronous and thread-affine; <see cref="MarkovIclExperiment"/> runs it on a dedicated thread.
/// Checkpoints hold the model's state dict, AdamW's state and the step. The training batches come from a seeded
/// <see cref="Random"/> whose state .NET does not expose, so its state is "batches drawn so far": a resumed run
/// draws (and drops) the batches of the steps already done, which is exact and costs far less than training them.
/// </summary>
public static class MarkovTrainer
{
    private const int EvalChunk = 64;

    public static MarkovOutcome Run(
        MarkovIclSettings settings, long seed, Device device, Action<LiveReport> report, CancellationToken cancellationToken,
        RunCheckpoints? checkpoints = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(device);
        cancellationToken.ThrowIfCancellationRequested();
        checkpoints ??= RunCheckpoints.None();
        using var threads = device.type == DeviceType.CPU ? SingleIntraOpThread.Enter() : null;
        var (k, len, steps) = (settings.Order, settings.Length, settings.Steps);

        // Separate streams: the test set depends only on the seed and the shape, not on how long we train.
        var test = MarkovData.Generate(settings.TestSequences, len, k, new Random(unchecked((int)seed ^ 0x7E57)));
        var references = MarkovReference.Compute(test);
        var trainRng = new Random(unchecked((int)seed ^ 0x0DA7A));

        using var model = MarkovModels.Create(settings, seed);
        model.to(device);
        var parameters = model.parameters().ToList();
        var parameterCount = parameters.Sum(p => p.numel());
        using var optimizer = optim.AdamW(parameters, settings.Lr);
        using var testTokens = Tokens(test, device);
        using var laplaceP = tensor(references.LaplaceP, [test.Count, references.PositionsPerSequence]).to(device);

        var watch = Stopwatch.StartNew();
        double trainCe = double.NaN, testCe, l1;
        var start = 1;
        if (checkpoints.Resume() is { } checkpoint)
        {
            using var reader = checkpoint.OpenState();
            if (reader.ReadInt32() != StateVersion) throw new InvalidDataException("markov-icl checkpoint of another version");
            model.load(reader);
            optimizer.load_state_dict(reader);
            (trainCe, testCe, l1) = (reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble());
            start = checked((int)checkpoint.Step);
            for (var done = 1; done < start; done++) MarkovData.Generate(settings.Batch, len, k, trainRng);
        }
        else
        {
            (testCe, l1) = Evaluate(model, testTokens, laplaceP, k);
            report(new LiveReport(0, 0, new Dictionary<string, double>(StringComparer.Ordinal) { ["test_ce"] = testCe, ["l1_laplace"] = l1 }));
        }
        for (var step = start; step <= steps; step++)
        {
            checkpoints.AtStep(step, writer =>
            {
                writer.Write(StateVersion);
                model.save(writer);
                optimizer.save_state_dict(writer);
                writer.Write(trainCe);
                writer.Write(testCe);
                writer.Write(l1);
            }, cancellationToken);
            var batch = MarkovData.Generate(settings.Batch, len, k, trainRng);
            var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
            using (var scope = NewDisposeScope())
            {
                model.train();
                var tokens = Tokens(batch, device);
                var loss = Loss(model, tokens, k);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                if (step % settings.TrainReportEvery == 0 || step == steps)
                {
                    trainCe = loss.item<float>();
                    TrainingDivergedException.ThrowIfNotFinite(trainCe, step);
                    metrics["train_ce"] = trainCe;
                }
            }
            if (step % settings.EvalEvery == 0 || step == steps)
            {
                (testCe, l1) = Evaluate(model, testTokens, laplaceP, k);
                metrics["test_ce"] = testCe;
                metrics["l1_laplace"] = l1;
                metrics["gap_laplace"] = testCe - references.LaplaceCe;
            }
            if (metrics.Count > 0)
                report(new LiveReport(step, (double)step / steps, metrics)
                {
                    Tensors = model is MambaLm mamba && (step % settings.EvalEvery == 0 || step == steps) ? mamba.Tensors(step) : [],
                });
        }
        // Once, at the end: the distance to add-½ on the same held-out positions (β = ½ instead of 1).
        var addHalf = MarkovReference.Compute(test, beta: 0.5);
        using var addHalfP = tensor(addHalf.LaplaceP, [test.Count, addHalf.PositionsPerSequence]).to(device);
        var (_, l1Half) = Evaluate(model, testTokens, addHalfP, k);
        // Once, at the end: mean P(1) per context beside Laplace's, for the run's figure (MarkovContextFigure).
        var (contextModel, contextLaplace) = MarkovContextFigure.ContextMeans(test, PredictOne(model, testTokens, k), references.LaplaceP);
        return new MarkovOutcome(testCe, l1, trainCe, references, parameterCount, watch.Elapsed.TotalSeconds, l1Half, addHalf.LaplaceCe,
            contextModel, contextLaplace);
    }

    private const int StateVersion = 1;

    /// <summary>Mean next-bit cross-entropy over positions t = k … T−1 (the model reads bits 0 … T−2).</summary>
    public static Tensor Loss(nn.Module<Tensor, Tensor> model, Tensor tokens, int order)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokens);
        var len = tokens.shape[1];
        var logits = model.forward(tokens.narrow(1, 0, len - 1)).narrow(1, order - 1, len - order);
        var target = tokens.narrow(1, order, len - order);
        return nn.functional.cross_entropy(logits.reshape(-1, 2), target.reshape(-1));
    }

    /// <summary>Held-out cross-entropy and mean |P_model(1) − P_Laplace(1)| over positions t = k … T−1.</summary>
    public static (double Ce, double L1) Evaluate(nn.Module<Tensor, Tensor> model, Tensor tokens, Tensor laplaceP, int order)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(laplaceP);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        var (n, len) = (tokens.shape[0], tokens.shape[1]);
        double ce = 0, l1 = 0;
        for (long start = 0; start < n; start += EvalChunk)
        {
            var rows = Math.Min(EvalChunk, n - start);
            var chunk = tokens.narrow(0, start, rows);
            var logits = model.forward(chunk.narrow(1, 0, len - 1)).narrow(1, order - 1, len - order);
            var logp = logits.log_softmax(-1);
            var target = chunk.narrow(1, order, len - order);
            ce -= logp.gather(-1, target.unsqueeze(-1)).sum().item<float>();
            var p1 = logp.select(-1, 1).exp();
            l1 += (p1 - laplaceP.narrow(0, start, rows)).abs().sum().item<float>();
        }
        var total = (double)n * (len - order);
        model.train();
        return (ce / total, l1 / total);
    }

    /// <summary>The model's P(next = 1) at positions t = k … T−1 of every sequence, [count, T − k] row-major on the host.</summary>
    public static float[] PredictOne(nn.Module<Tensor, Tensor> model, Tensor tokens, int order)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokens);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        var (n, len) = (tokens.shape[0], tokens.shape[1]);
        var result = new float[n * (len - order)];
        for (long start = 0; start < n; start += EvalChunk)
        {
            var rows = Math.Min(EvalChunk, n - start);
            var logits = model.forward(tokens.narrow(0, start, rows).narrow(1, 0, len - 1)).narrow(1, order - 1, len - order);
            var p1 = logits.softmax(-1).select(-1, 1).contiguous().cpu().data<float>().ToArray();
            Array.Copy(p1, 0, result, start * (len - order), p1.Length);
        }
        model.train();
        return result;
    }

    /// <summary>The batch's bits as an int64 [count, length] tensor.</summary>
    public static Tensor Tokens(MarkovBatch batch, Device device)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var values = new long[batch.Tokens.Length];
        for (var i = 0; i < values.Length; i++) values[i] = batch.Tokens[i];
        return tensor(values, [batch.Count, batch.Length]).to(device);
    }
}
