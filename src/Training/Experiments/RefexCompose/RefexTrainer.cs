using LayerLab.Training.Experiments.Shared;
using TorchSharp;
using static TorchSharp.torch;

namespace LayerLab.Training.Experiments.RefexCompose;

/// <summary>Accuracy on the held-out pair and on the other pairs, the last training loss, the model's size.</summary>
public sealed record RefexOutcome(double HeldOutAccuracy, double InDistributionAccuracy, double TrainLoss, long ParameterCount);

/// <summary>
/// AdamW on fresh grids every step (never the held-out pair as a target), cross-entropy of the pointer over the 36
/// cells; evaluated on two fixed test sets drawn from the seed: grids asking for the held-out pair, and grids asking
/// for the other eight. Synchronous and thread-affine (run on a dedicated thread), on the run's device.
/// </summary>
public static class RefexTrainer
{
    /// <summary>libtorch's initialisers draw from one process-wide generator: seeding it and building the model happen
    /// under one lock, so two runs starting together each get their seed's weights.</summary>
    private static readonly Lock InitLock = new();

    public static RefexOutcome Run(RefexComposeSettings settings, long seed, Device device, Action<LiveReport> report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(report);
        using var threads = device.type == DeviceType.CPU ? SingleIntraOpThread.Enter() : null;
        var heldOutTest = RefexData.Set(settings.TestExamples, unchecked((int)seed ^ 0x7E57), settings.HeldOut, askHeldOut: true, settings.Distractors);
        var inDistTest = RefexData.Set(settings.TestExamples, unchecked((int)seed ^ 0x1D15), settings.HeldOut, askHeldOut: false, settings.Distractors, settings.HeldOutAsDistractor);
        var trainRandom = new Random(unchecked((int)seed ^ 0xDA7A));

        RefexModel model;
        lock (InitLock)
        {
            random.manual_seed(seed);
            model = new RefexModel(settings.Layers, settings.Heads, settings.Width, settings.Positional, settings.Factored);
        }
        using var disposeModel = model;
        model.to(device);
        var parameters = model.parameters().ToList();
        var parameterCount = parameters.Sum(p => p.numel());
        using var optimizer = optim.AdamW(parameters, settings.Lr, weight_decay: 0.01);
        var trainLoss = double.NaN;
        double heldOut = 0, inDist = 0;
        for (var step = 1; step <= settings.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = Enumerable.Range(0, settings.Batch).Select(_ => RefexData.Sample(trainRandom, settings.HeldOut, false, settings.Distractors, settings.HeldOutAsDistractor)).ToList();
            using (var scope = NewDisposeScope())
            {
                model.train();
                var tokens = tensor(RefexData.Tokens(batch), [batch.Count, RefexData.SequenceLength]).to(device);
                var targets = tensor(batch.Select(e => (long)e.Target).ToArray()).to(device);
                var loss = nn.functional.cross_entropy(model.forward(tokens), targets);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                if (step % settings.EvalEvery == 0 || step == settings.Steps) trainLoss = loss.item<float>();
            }
            if (step % settings.EvalEvery != 0 && step != settings.Steps) continue;
            (heldOut, inDist) = (Accuracy(model, heldOutTest, device), Accuracy(model, inDistTest, device));
            report(new LiveReport(step, (double)step / settings.Steps, new Dictionary<string, double>
            {
                ["accuracy/heldout"] = heldOut, ["accuracy/in_distribution"] = inDist, ["train_loss"] = trainLoss,
            }));
        }
        return new RefexOutcome(heldOut, inDist, trainLoss, parameterCount);
    }

    /// <summary>Share of grids whose highest-scoring cell is the target.</summary>
    public static double Accuracy(RefexModel model, IReadOnlyList<RefexExample> examples, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(examples);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        var correct = 0L;
        for (var start = 0; start < examples.Count; start += 512)
        {
            var chunk = examples.Skip(start).Take(512).ToList();
            var tokens = tensor(RefexData.Tokens(chunk), [chunk.Count, RefexData.SequenceLength]).to(device);
            var targets = tensor(chunk.Select(e => (long)e.Target).ToArray()).to(device);
            correct += model.forward(tokens).argmax(-1).eq(targets).sum().item<long>();
        }
        return (double)correct / examples.Count;
    }
}
