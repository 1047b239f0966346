using LayerLab.Training.Checkpoints;
using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.Shared;
using TorchSharp;
using static TorchSharp.torch;

namespace LayerLab.Training.Experiments.IclLinReg;

/// <summary>Final state of a trained model: its predictions on the test set and the last losses.</summary>
public sealed record IclOutcome(double[] TestPrediction, double TestLoss, double TrainLoss, double Cosine, long ParameterCount);

/// <summary>
/// The training loop: Adam on a fresh batch of prompts every step (online, as in the papers), ½MSE on the query.
/// Synchronous and thread-affine; <see cref="IclLinRegExperiment"/> runs it on a dedicated thread.
/// Checkpoints hold θ, Adam's m and v, the training-batch generator and the last train loss: a resumed run continues
/// bit for bit as if it had never stopped (the learning-rate schedule and Adam's bias correction depend only on the step).
/// </summary>
public static class IclTrainer
{
    private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;

    public static IclOutcome Run(
        IclLinRegSettings settings, long seed, Device device, IclPrompts test, double[] targetPrediction,
        Action<LiveReport> report, CancellationToken cancellationToken, RunCheckpoints? checkpoints = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(targetPrediction);
        ArgumentNullException.ThrowIfNull(report);
        cancellationToken.ThrowIfCancellationRequested();
        checkpoints ??= RunCheckpoints.None();
        using var threads = device.type == DeviceType.CPU ? SingleIntraOpThread.Enter() : null;

        var model = new IclModel(settings);
        var task = settings.Task;
        var (t, e) = ((long)settings.Context + 1, (long)settings.Dim + 1);
        var trainRandom = new IclRandom(seed, 3);
        var (start, initial, m0, v0, trainLoss) = (0, model.InitialParameters(seed), (float[]?)null, (float[]?)null, double.NaN);
        if (checkpoints.Resume() is { } checkpoint)
        {
            using var reader = checkpoint.OpenState();
            if (reader.ReadInt32() != StateVersion) throw new InvalidDataException("icl-linreg checkpoint of another version");
            (initial, m0, v0) = (ReadFloats(reader), ReadFloats(reader), ReadFloats(reader));
            trainRandom.ReadState(reader);
            trainLoss = reader.ReadDouble();
            start = checked((int)checkpoint.Step);
        }

        using var theta = tensor(initial).to(device).requires_grad_(true);
        using var m = m0 is null ? zeros_like(theta, requires_grad: false) : tensor(m0).to(device);
        using var v = v0 is null ? zeros_like(theta, requires_grad: false) : tensor(v0).to(device);
        using var testTokens = tensor(test.Tokens(), [test.Count, t, e]).to(device);
        using var testTarget = tensor(test.Yq.Select(y => (float)y).ToArray()).to(device);
        using var reference = tensor(targetPrediction.Select(y => (float)y).ToArray()).to(device);

        var (steps, every) = (settings.Steps, settings.ReportEvery);
        // Scalars held for the whole loop (see IclModel.Forward: never let an implicit one be finalized mid-call).
        using var half = 0.5.ToScalar();
        using var minusOne = (-1.0).ToScalar();
        using var beta1 = Beta1.ToScalar();
        using var oneMinusBeta1 = (1 - Beta1).ToScalar();
        using var beta2 = Beta2.ToScalar();
        using var oneMinusBeta2 = (1 - Beta2).ToScalar();
        using var epsilon = Epsilon.ToScalar();
        using var two = 2.0.ToScalar(); // square() would make a temporary Scalar (the race above); pow(two) is the same op
        for (var step = start; step < steps; step++)
        {
            checkpoints.AtStep(step, writer =>
            {
                writer.Write(StateVersion);
                WriteFloats(writer, theta);
                WriteFloats(writer, m);
                WriteFloats(writer, v);
                trainRandom.WriteState(writer);
                writer.Write(trainLoss);
            }, cancellationToken);
            var batch = task.Sample(settings.Batch, trainRandom);
            LiveReport? live = null;
            using (var scope = NewDisposeScope())
            {
                if (step % every == 0) live = Evaluate(model, theta, testTokens, testTarget, reference, step, steps, trainLoss) with { Tensors = Matrices(model, theta, step) };
                var tokens = tensor(batch.Tokens(), [batch.Count, t, e]).to(device);
                var target = tensor(batch.Yq.Select(y => (float)y).ToArray()).to(device);
                var loss = model.Forward(theta, tokens).add(target, minusOne).pow(two).mean().mul(half);
                var gradient = autograd.grad([loss], [theta])[0];
                // Cosine decay of the learning rate to 1% (Adam at a constant step rattles around the optimum,
                // and the claim is a 2% match).
                var lr = settings.LearningRate * (0.01 + (0.99 * 0.5 * (1 + Math.Cos(Math.PI * step / steps))));
                using (no_grad())
                {
                    var k = step + 1;
                    using var sqrtCorrection2 = Math.Sqrt(1 - Math.Pow(Beta2, k)).ToScalar();
                    using var minusStep = (-lr / (1 - Math.Pow(Beta1, k))).ToScalar();
                    m.mul_(beta1).add_(gradient, oneMinusBeta1);
                    v.mul_(beta2).addcmul_(gradient, gradient, oneMinusBeta2);
                    var denominator = v.sqrt().div_(sqrtCorrection2).add_(epsilon);
                    theta.addcdiv_(m, denominator, minusStep);
                }
                trainLoss = loss.item<float>();
            }
            TrainingDivergedException.ThrowIfNotFinite(trainLoss, step);
            if (live is not null) report(live);
        }

        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var final = Evaluate(model, theta, testTokens, testTarget, reference, steps, steps, trainLoss) with { Tensors = Matrices(model, theta, steps) };
            report(final);
            var prediction = model.Forward(theta, testTokens).cpu().data<float>().ToArray().Select(f => (double)f).ToArray();
            var testLoss = IclReference.HalfMse(prediction, test.Yq);
            var cosine = IclReference.Cosine(prediction, targetPrediction);
            return new IclOutcome(prediction, testLoss, trainLoss, cosine, model.ParameterCount);
        }
    }

    private const int StateVersion = 1;

    /// <summary>The layers' K·Q and P·V matrices at this step (see <see cref="IclModel.Matrices"/>), from θ on the CPU.</summary>
    private static IReadOnlyList<TensorSample> Matrices(IclModel model, Tensor theta, long step)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var cpu = theta.detach().cpu();
        return model.Matrices(cpu.data<float>().ToArray(), step);
    }

    private static void WriteFloats(BinaryWriter writer, Tensor values)
    {
        using var noGrad = no_grad();
        using var cpu = values.detach().cpu();
        var data = cpu.data<float>().ToArray();
        writer.Write(data.Length);
        foreach (var x in data) writer.Write(x);
    }

    private static float[] ReadFloats(BinaryReader reader)
    {
        var data = new float[reader.ReadInt32()];
        for (var i = 0; i < data.Length; i++) data[i] = reader.ReadSingle();
        return data;
    }

    private static LiveReport Evaluate(
        IclModel model, Tensor theta, Tensor tokens, Tensor target, Tensor reference, long step, int steps, double trainLoss)
    {
        using var noGrad = no_grad();
        var prediction = model.Forward(theta, tokens);
        using var tiny = 1e-30.ToScalar();
        using var minusOne = (-1.0).ToScalar();
        using var two = 2.0.ToScalar();
        var testLoss = prediction.add(target, minusOne).pow(two).mean().item<float>() * 0.5;
        var cosine = prediction.mul(reference).sum().div(prediction.pow(two).sum().mul(reference.pow(two).sum()).sqrt().clamp_min(tiny));
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal) { ["test_loss"] = testLoss };
        var c = cosine.item<float>();
        if (float.IsFinite(c)) metrics["cosine_gd"] = c;
        if (double.IsFinite(trainLoss)) metrics["train_loss"] = trainLoss;
        return new LiveReport(step, (double)step / steps, metrics);
    }
}
