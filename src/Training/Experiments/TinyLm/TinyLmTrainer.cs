using System.Diagnostics;
using LayerLab.Training.Checkpoints;
using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.Shared;
using TorchSharp;
using static TorchSharp.torch;

namespace LayerLab.Training.Experiments.TinyLm;

/// <summary>What a finished run measured on the held-out blocks.</summary>
/// <param name="BitsAt">Held-out bits per token after each evaluated step's training tokens (tokens → bits).</param>
/// <param name="TokensPerSecond">Training tokens per second of training time (held-out evaluation excluded).</param>
public sealed record TinyLmOutcome(
    double TestBits, double TrainBits, IReadOnlyList<(long Tokens, double Bits)> BitsAt, long ParameterCount,
    double TokensPerSecond, double TrainSeconds);

/// <summary>
/// The training loop: each step draws <c>batch</c> windows of context + 1 tokens uniformly from the training blocks
/// (a seeded C# RNG), next-token cross-entropy on every position, AdamW with a 5% linear warm-up then a constant
/// rate — constant so that the held-out value after a quarter of the steps is what a run of a quarter the steps
/// would give, which lets one run supply a whole bits-vs-tokens curve. Synchronous and thread-affine.
/// </summary>
public static class TinyLmTrainer
{
    private const int EvalChunk = 64;
    private const int StateVersion = 1;

    public static TinyLmOutcome Run(
        TinyLmSettings settings, TextSplit split, int vocabulary, long seed, Device device, Action<LiveReport> report,
        CancellationToken cancellationToken, RunCheckpoints? checkpoints = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(report);
        cancellationToken.ThrowIfCancellationRequested();
        checkpoints ??= RunCheckpoints.None();
        using var threads = device.type == DeviceType.CPU ? SingleIntraOpThread.Enter() : null;
        var sampler = new WindowSampler(split.Train, settings.Context);
        var rng = new Random(unchecked((int)seed ^ 0x7E47));

        using var model = new TinyTransformer(vocabulary, settings.Layers, settings.Width, settings.Heads, settings.Context);
        model.Initialize(seed);
        model.to(device);
        var parameters = model.parameters().ToList();
        var parameterCount = parameters.Sum(p => p.numel());
        using var optimizer = optim.AdamW(parameters, settings.Lr, 0.9, settings.Beta2, weight_decay: settings.WeightDecay);
        var warmup = Math.Max(1, settings.Steps / 20);
        var evalSteps = settings.EvalSteps.ToHashSet();
        var bitsAt = new List<(long, double)>();
        double trainBits = double.NaN, testBits = double.NaN, trainSeconds = 0;
        var start = 1;
        if (checkpoints.Resume() is { } checkpoint)
        {
            using var reader = checkpoint.OpenState();
            if (reader.ReadInt32() != StateVersion) throw new InvalidDataException("tiny-lm checkpoint of another version");
            model.load(reader);
            optimizer.load_state_dict(reader);
            (trainBits, testBits, trainSeconds) = (reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble());
            for (var n = reader.ReadInt32(); n > 0; n--) bitsAt.Add((reader.ReadInt64(), reader.ReadDouble()));
            start = checked((int)checkpoint.Step);
            for (var done = 1; done < start; done++) sampler.Draw(settings.Batch, rng);   // replay the RNG exactly
        }
        var watch = new Stopwatch();
        for (var step = start; step <= settings.Steps; step++)
        {
            checkpoints.AtStep(step, writer =>
            {
                writer.Write(StateVersion);
                model.save(writer);
                optimizer.save_state_dict(writer);
                writer.Write(trainBits); writer.Write(testBits); writer.Write(trainSeconds + watch.Elapsed.TotalSeconds);
                writer.Write(bitsAt.Count);
                foreach (var (tokens, bits) in bitsAt) { writer.Write(tokens); writer.Write(bits); }
            }, cancellationToken);
            var windows = sampler.Draw(settings.Batch, rng);
            var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
            watch.Start();
            using (var scope = NewDisposeScope())
            {
                foreach (var group in optimizer.ParamGroups) group.LearningRate = settings.Lr * Math.Min(1.0, (double)step / warmup);
                model.train();
                var batch = tensor(windows, [settings.Batch, settings.Context + 1]).to(device);
                var loss = Loss(model, batch);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                if (step % settings.TrainReportEvery == 0 || step == settings.Steps)
                {
                    trainBits = loss.item<float>() / Math.Log(2);
                    TrainingDivergedException.ThrowIfNotFinite(trainBits, step);
                    metrics["train_bpt"] = trainBits;
                }
            }
            watch.Stop();
            if (evalSteps.Contains(step))
            {
                testBits = Evaluate(model, split.HeldOut, settings.Context, device);
                var tokens = (long)step * settings.Batch * settings.Context;
                bitsAt.Add((tokens, testBits));
                metrics["test_bpt"] = testBits;
                metrics["train_tokens"] = tokens;
            }
            if (metrics.Count > 0) report(new LiveReport(step, (double)step / settings.Steps, metrics));
        }
        var seconds = trainSeconds + watch.Elapsed.TotalSeconds;
        var trained = (long)(settings.Steps - start + 1) * settings.Batch * settings.Context;
        return new TinyLmOutcome(testBits, trainBits, bitsAt, parameterCount,
            trained / Math.Max(watch.Elapsed.TotalSeconds, 1e-9), seconds);
    }

    /// <summary>Mean next-token cross-entropy (nats) of windows [B, T+1]: reads tokens 0…T−1, predicts 1…T.</summary>
    public static Tensor Loss(nn.Module<Tensor, Tensor> model, Tensor windows)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(windows);
        var t = windows.shape[1] - 1;
        var logits = model.forward(windows.narrow(1, 0, t));
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[2]), windows.narrow(1, 1, t).reshape(-1));
    }

    /// <summary>
    /// Held-out bits per token over every token of every block but the first: each block is read in consecutive
    /// windows of <paramref name="context"/> tokens (the last one shorter), so a token's history is the part of its
    /// window before it (at most context − 1 tokens, none at a window's start).
    /// </summary>
    public static double Evaluate(nn.Module<Tensor, Tensor> model, IReadOnlyList<int[]> blocks, int context, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(blocks);
        using var noGrad = no_grad();
        model.eval();
        var full = new List<long>();
        var tails = new List<long[]>();
        foreach (var block in blocks)
            for (var s = 0; s < block.Length - 1; s += context)
            {
                var n = Math.Min(context, block.Length - 1 - s) + 1;
                var window = block.AsSpan(s, n).ToArray().Select(x => (long)x).ToArray();
                if (n == context + 1) full.AddRange(window); else tails.Add(window);
            }
        double nats = 0;
        long count = 0;
        var rows = full.Count / (context + 1);
        var all = full.ToArray();
        for (var r = 0; r < rows; r += EvalChunk)
        {
            using var scope = NewDisposeScope();
            var take = Math.Min(EvalChunk, rows - r);
            var chunk = tensor(all.AsSpan(r * (context + 1), take * (context + 1)).ToArray(), [take, context + 1]).to(device);
            nats += Loss(model, chunk).item<float>() * take * context;
            count += (long)take * context;
        }
        foreach (var tail in tails)
        {
            using var scope = NewDisposeScope();
            var t = tensor(tail, [1, tail.Length]).to(device);
            nats += Loss(model, t).item<float>() * (tail.Length - 1);
            count += tail.Length - 1;
        }
        model.train();
        return nats / count / Math.Log(2);
    }
}

/// <summary>Uniform windows of context + 1 tokens over every start position of the training blocks long enough.</summary>
public sealed class WindowSampler
{
    private readonly List<int[]> _blocks;
    private readonly long[] _cumulative;
    private readonly int _length;

    public WindowSampler(IReadOnlyList<int[]> blocks, int context)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        _length = context + 1;
        _blocks = [.. blocks.Where(b => b.Length >= _length)];
        if (_blocks.Count == 0) throw new ArgumentException($"No training block holds context + 1 = {_length} tokens.", nameof(blocks));
        _cumulative = new long[_blocks.Count];
        long total = 0;
        for (var i = 0; i < _blocks.Count; i++) _cumulative[i] = total += _blocks[i].Length - _length + 1;
    }

    /// <returns>batch × (context + 1) token ids, row-major.</returns>
    public long[] Draw(int batch, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var result = new long[batch * _length];
        for (var b = 0; b < batch; b++)
        {
            var pick = rng.NextInt64(_cumulative[^1]);
            var i = Array.BinarySearch(_cumulative, pick + 1);
            if (i < 0) i = ~i;
            var start = (int)(pick - (i == 0 ? 0 : _cumulative[i - 1]));
            for (var t = 0; t < _length; t++) result[(b * _length) + t] = _blocks[i][start + t];
        }
        return result;
    }
}
