using LayerLab.Training.Experiments.Shared;
using TorchSharp;
using static TorchSharp.torch;

namespace LayerLab.Training.Experiments.XorPrelu;

/// <summary>
/// Final state of every trained model, copied to plain arrays. Row r = lrIndex·Trials + trial; for each row the
/// four model types in <see cref="XorModels.All"/> order.
/// </summary>
public sealed class XorOutcome(double[] learningRates, int trials, bool[] correct, float[] loss, float[] preluParameters)
{
    public IReadOnlyList<double> LearningRates { get; } = learningRates;
    public int Trials { get; } = trials;
    public int Rows => LearningRates.Count * Trials;

    /// <summary>[rows × 4]: all 4 outputs on the right side of 0.5.</summary>
    public bool Correct(int row, XorModel model) => correct[(row * 4) + (int)model];

    /// <summary>[rows × 4]: final mean squared error over the 4 points (may be NaN/∞ when a model diverged).</summary>
    public float Loss(int row, XorModel model) => loss[(row * 4) + (int)model];

    /// <summary>Columns 0..6 of θ: prelu (w₁, w₂, a) then prelu_bias (w₁, w₂, b, a).</summary>
    public ReadOnlySpan<float> PreluParameters(int row) => preluParameters.AsSpan(row * PreluColumns, PreluColumns);

    internal const int PreluColumns = XorModels.MlpOffset;
}

/// <summary>
/// The training loop: every model of every trial at every learning rate as one tensor program, one
/// forward/backward/update per epoch. Synchronous and thread-affine (dispose scopes and the intra-op thread
/// setting belong to the calling thread); <see cref="XorPreluExperiment"/> runs it on a dedicated thread.
/// </summary>
public static class XorTrainer
{
    public static XorOutcome Run(
        XorPreluSettings settings, long seed, Device device, Action<LiveReport> report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(report);
        cancellationToken.ThrowIfCancellationRequested();
        using var threads = device.type == DeviceType.CPU ? SingleIntraOpThread.Enter() : null;

        var lrs = settings.LearningRates();
        var (lrCount, trials, epochs) = (lrs.Length, settings.Trials, settings.Epochs);
        long rows = (long)lrCount * trials;
        // Common random numbers: trial t starts from the same point at every learning rate, so differences between
        // learning rates are not init noise. Model types within a row have independent draws.
        var init = XorModels.InitialParameters(trials, seed, settings.InitScale);

        using var inputsT = XorData.InputsTransposed(settings.Coding, device);
        using var targets = XorData.TargetTensor(device);
        using var targetBits = Detached(() => targets.gt(0.5));
        using var theta = Detached(() => tensor(init, [1, trials, XorModels.Width]).expand(lrCount, trials, XorModels.Width)
            .reshape(rows, XorModels.Width).to(device).requires_grad_(true));
        var lrColumn = Detached(() => tensor(lrs.Select(l => (float)l).ToArray(), [lrCount, 1, 1])
            .expand(lrCount, trials, 1).reshape(rows, 1).to(device));
        using var optimizer = BatchedOptimizer.Create(settings.Optimizer, lrColumn, theta);

        var every = settings.ReportEvery;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            LiveReport? live = null;
            using (var scope = NewDisposeScope())
            {
                // The outputs here are those of the parameters after `epoch` updates: report them as step = epoch.
                var outputs = XorModels.Forward(theta, inputsT, settings.MlpActivation);
                var loss = (outputs - targets).square().mean([-1]);          // [rows, 4 models]
                if (epoch % every == 0) live = Live(epoch, epochs, outputs, loss, targetBits);
                // One backward for everything: the total is a sum of independent per-row, per-model MSEs, so its
                // gradient is each model's own gradient.
                var gradient = autograd.grad([loss.sum()], [theta])[0];
                using (no_grad()) optimizer.Step(theta, gradient);
            }
            if (live is not null) report(live);
        }

        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var outputs = XorModels.Forward(theta, inputsT, settings.MlpActivation);
            var loss = (outputs - targets).square().mean([-1]);
            report(Live(epochs, epochs, outputs, loss, targetBits));
            var correct = Correct(outputs, targetBits).cpu().data<bool>().ToArray();
            var finalLoss = loss.cpu().data<float>().ToArray();
            var prelu = theta.narrow(1, 0, XorOutcome.PreluColumns).contiguous().cpu().data<float>().ToArray();
            return new XorOutcome(lrs, trials, correct, finalLoss, prelu);
        }
    }

    /// <summary>[rows, 4 models]: every output thresholded at 0.5 equals the target bit.</summary>
    private static Tensor Correct(Tensor outputs, Tensor targetBits) => outputs.gt(0.5).eq(targetBits).all(-1);

    /// <summary>Mean loss (over the models whose loss is finite) and success rate of each model type, all rows.</summary>
    private static LiveReport Live(long step, int epochs, Tensor outputs, Tensor loss, Tensor targetBits)
    {
        using var noGrad = no_grad();
        var finite = loss.isfinite();
        using var zero = 0.0.ToScalar(); // held: see ScalarPins
        var meanLoss = loss.masked_fill(finite.logical_not(), zero).sum([0L]) / finite.sum([0L]).to(ScalarType.Float32);
        var success = Correct(outputs, targetBits).to(ScalarType.Float32).mean([0]);
        var values = cat([meanLoss, success], 0).cpu().data<float>().ToArray();
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var model in XorModels.All)
        {
            var key = XorModels.Key(model);
            var l = values[(int)model];
            if (float.IsFinite(l)) metrics["loss/" + key] = l;      // all diverged: no point rather than NaN
            metrics["success/" + key] = values[4 + (int)model];
        }
        return new LiveReport(step, (double)step / epochs, metrics);
    }

    /// <summary>Makes a tensor in a throwaway scope (so intermediates die) and hands the result to the caller.</summary>
    private static Tensor Detached(Func<Tensor> make)
    {
        using var scope = NewDisposeScope();
        return make().DetachFromDisposeScope();
    }
}
