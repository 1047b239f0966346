using System.Diagnostics;
using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.Shared;
using TorchSharp;
using static TorchSharp.torch;

namespace LayerLab.Training.Experiments.WideAttention;

/// <summary>Test accuracy, the majority-class reference on the test set, the last training loss, the model's size and
/// the timings: median wall milliseconds per training step and per forward pass of one batch, and the median CPU
/// milliseconds of the training thread per step (NaN on CUDA or off Linux).</summary>
public sealed record WideAttentionOutcome(
    double Accuracy, double Majority, double TrainLoss, long ParameterCount, double StepMs, double ForwardMs, double TrainSeconds,
    double StepCpuMs = double.NaN);

/// <summary>
/// AdamW on fresh ListOps expressions every step, cross-entropy over the ten answers; evaluated on one fixed test set
/// drawn from the seed (so every shape of one seed sees the same test expressions). Timing: each training step (data
/// already on the device) and each test forward is timed alone; the median is reported, because on a shared machine
/// a few steps are slowed by other processes and the median ignores them. Synchronous and thread-affine, on the
/// run's device (CUDA is synchronised before each clock read).
/// </summary>
public static class WideAttentionTrainer
{
    /// <summary>libtorch's initialisers draw from one process-wide generator: seeding it and building the model happen
    /// under one lock, so two runs starting together each get their seed's weights.</summary>
    private static readonly Lock InitLock = new();

    public const int TrainStream = 1, TestStream = 2;

    public static WideAttentionOutcome Run(WideAttentionSettings settings, long seed, Device device, Action<LiveReport> report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(report);
        using var threads = device.type == DeviceType.CPU ? SingleIntraOpThread.Enter() : null;
        var (testTokens, testLabels) = ListOpsData.Dataset(seed, TestStream, settings.TestExamples, settings.MaxDepth, settings.MaxArgs, settings.MaxLength);
        var majority = ListOpsData.MajorityAccuracy(testLabels);
        var trainRandom = new Random(ListOpsData.Mix(seed, TrainStream));

        WideAttentionModel model;
        lock (InitLock)
        {
            random.manual_seed(seed);
            model = new WideAttentionModel(settings.Shape, settings.Width, settings.Readout, settings.MaxLength);
        }
        using var disposeModel = model;
        model.to(device);
        var parameters = model.parameters().ToList();
        var parameterCount = parameters.Sum(p => p.numel());
        using var optimizer = optim.AdamW(parameters, settings.Lr, weight_decay: 0.01);
        var warmup = Math.Max(1, settings.Steps / 20);
        var stepTimes = new List<double>(settings.Steps);
        var stepCpuTimes = new List<double>(settings.Steps);
        var onCpu = device.type == DeviceType.CPU;
        var forwardTimes = new List<double>();
        var clock = new Stopwatch();
        var trainLoss = double.NaN;
        var accuracy = 0.0;
        for (var step = 1; step <= settings.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (tokens, labels) = ListOpsData.Batch(trainRandom, settings.Batch, settings.MaxDepth, settings.MaxArgs, settings.MaxLength);
            var evaluate = step % settings.EvalEvery == 0 || step == settings.Steps;
            using (var scope = NewDisposeScope())
            {
                var x = tensor(tokens, [settings.Batch, settings.MaxLength]).to(device);
                var y = tensor(labels).to(device);
                Synchronize(device);
                var cpuStart = onCpu ? ThreadCpuClock.Milliseconds() : double.NaN;
                clock.Restart();
                foreach (var group in optimizer.ParamGroups) group.LearningRate = settings.Lr * Math.Min(1.0, (double)step / warmup);
                model.train();
                var loss = nn.functional.cross_entropy(model.forward(x), y);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                Synchronize(device);
                clock.Stop();
                stepTimes.Add(clock.Elapsed.TotalMilliseconds);
                if (onCpu) stepCpuTimes.Add(ThreadCpuClock.Milliseconds() - cpuStart);
                if (evaluate)
                {
                    trainLoss = loss.item<float>();
                    TrainingDivergedException.ThrowIfNotFinite(trainLoss, step);
                }
            }
            if (!evaluate) continue;
            accuracy = Accuracy(model, testTokens, testLabels, settings.MaxLength, settings.Batch, device, step == settings.Steps ? forwardTimes : null);
            report(new LiveReport(step, (double)step / settings.Steps, new Dictionary<string, double>
            {
                ["accuracy"] = accuracy, ["train_loss"] = trainLoss, ["step_ms"] = Median(stepTimes),
            }));
        }
        return new WideAttentionOutcome(accuracy, majority, trainLoss, parameterCount, Median(stepTimes), Median(forwardTimes), stepTimes.Sum() / 1000,
            stepCpuTimes.Any(double.IsFinite) ? Median(stepCpuTimes) : double.NaN);
    }

    /// <summary>Share of test expressions whose highest logit is the evaluator's answer, read in batches of
    /// <paramref name="batch"/>; each batch's forward pass is timed into <paramref name="forwardTimes"/> when given.</summary>
    public static double Accuracy(WideAttentionModel model, long[] tokens, long[] labels, int maxLength, int batch, Device device, List<double>? forwardTimes = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(labels);
        using var noGrad = no_grad();
        model.eval();
        var correct = 0L;
        var clock = new Stopwatch();
        for (var start = 0; start < labels.Length; start += batch)
        {
            using var scope = NewDisposeScope();
            var n = Math.Min(batch, labels.Length - start);
            var x = tensor(tokens.AsSpan(start * maxLength, n * maxLength).ToArray(), [n, maxLength]).to(device);
            var y = tensor(labels.AsSpan(start, n).ToArray()).to(device);
            Synchronize(device);
            clock.Restart();
            var logits = model.forward(x);
            Synchronize(device);
            clock.Stop();
            // Only full batches are timed, so the figure is "per batch of the training size".
            if (n == batch) forwardTimes?.Add(clock.Elapsed.TotalMilliseconds);
            correct += logits.argmax(-1).eq(y).sum().item<long>();
        }
        return (double)correct / labels.Length;
    }

    public static double Median(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA) cuda.synchronize(device);
    }
}
