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
        ArgumentNullException.ThrowIfNull(report);
        return RunSeeds(settings, [seed], device, reports => report(reports[0]), cancellationToken)[0];
    }

    /// <summary>
    /// Trains the runs of several seeds (same settings) as one program: seed s owns rows
    /// [s·R, (s+1)·R) with R = lr_points·trials, laid out exactly as a single-seed run's rows, so each seed's models
    /// start, train and end as they would alone (rows never interact). Reports one <see cref="LiveReport"/> per seed,
    /// in <paramref name="seeds"/> order, and returns one outcome per seed.
    /// </summary>
    public static IReadOnlyList<XorOutcome> RunSeeds(
        XorPreluSettings settings, IReadOnlyList<long> seeds, Device device, Action<IReadOnlyList<LiveReport>> report,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentOutOfRangeException.ThrowIfZero(seeds.Count);
        cancellationToken.ThrowIfCancellationRequested();
        using var threads = device.type == DeviceType.CPU ? SingleIntraOpThread.Enter() : null;

        var lrs = settings.LearningRates();
        var (lrCount, trials, epochs, seedCount) = (lrs.Length, settings.Trials, settings.Epochs, seeds.Count);
        var rowsPerSeed = lrCount * trials;
        long rows = (long)seedCount * rowsPerSeed;
        // Common random numbers: trial t starts from the same point at every learning rate, so differences between
        // learning rates are not init noise. Model types within a row have independent draws.
        var (init, learningRates) = InitialRows(settings, seeds, lrs);

        using var inputs = XorData.InputsTensor(settings.Coding, device);
        using var targets = XorData.TargetTensor(device);
        using var targetColumn = Detached(() => targets.view(XorData.Points, 1));
        using var targetBits = Detached(() => targets.gt(0.5));
        // Points-major program (see XorModels.ForwardPointsMajor): θ is trained transposed, θᵀ [Width, rows], with a
        // learning-rate row [1, rows]; the optimizers are elementwise, so this changes no arithmetic.
        using var thetaT = Detached(() => tensor(init, [rows, XorModels.Width]).t().contiguous().to(device).requires_grad_(true));
        var lrRow = Detached(() => tensor(learningRates, [1, rows]).to(device));
        using var optimizer = BatchedOptimizer.Create(settings.Optimizer, lrRow, thetaT);

        var every = settings.ReportEvery;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            IReadOnlyList<LiveReport>? live = null;
            using (var scope = NewDisposeScope())
            {
                // The outputs here are those of the parameters after `epoch` updates: report them as step = epoch.
                var outputs = XorModels.ForwardPointsMajor(thetaT, inputs, settings.MlpActivation);   // [4 models, 4 points, rows]
                if (epoch % every == 0)
                    live = XorTensors.Attach(Live(epoch, epochs, seedCount, outputs, targetColumn, targetBits), thetaT, settings, epoch);
                // One backward for everything: the total is a sum of independent per-row, per-model MSEs, so its
                // gradient is each model's own gradient.
                var gradient = autograd.grad([XorModels.TotalLoss(outputs, targetColumn)], [thetaT])[0];
                using (no_grad()) optimizer.Step(thetaT, gradient);
            }
            if (live is not null) report(live);
        }

        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var outputs = XorModels.ForwardPointsMajor(thetaT, inputs, settings.MlpActivation);
            report(XorTensors.Attach(Live(epochs, epochs, seedCount, outputs, targetColumn, targetBits), thetaT, settings, epochs));
            var correct = Correct(outputs, targetBits).contiguous().cpu().data<bool>().ToArray();
            var finalLoss = XorModels.LossPerModel(outputs, targetColumn).contiguous().cpu().data<float>().ToArray();
            var prelu = thetaT.narrow(0, 0, XorOutcome.PreluColumns).t().contiguous().cpu().data<float>().ToArray();
            var outcomes = new XorOutcome[seedCount];
            for (var s = 0; s < seedCount; s++)
            {
                outcomes[s] = new XorOutcome(lrs, trials,
                    Slice(correct, s, rowsPerSeed * 4), Slice(finalLoss, s, rowsPerSeed * 4),
                    Slice(prelu, s, rowsPerSeed * XorOutcome.PreluColumns));
            }
            return outcomes;
        }
    }

    /// <summary>Initial θ [rows, Width] and each row's learning rate: per seed, its trials repeated at every rate.</summary>
    private static (float[] Theta, float[] LearningRates) InitialRows(XorPreluSettings settings, IReadOnlyList<long> seeds, double[] lrs)
    {
        var (trials, width) = (settings.Trials, XorModels.Width);
        var rowsPerSeed = lrs.Length * trials;
        var theta = new float[seeds.Count * rowsPerSeed * width];
        var rates = new float[seeds.Count * rowsPerSeed];
        for (var s = 0; s < seeds.Count; s++)
        {
            var init = XorModels.InitialParameters(trials, seeds[s], settings.InitScale);
            for (var li = 0; li < lrs.Length; li++)
            {
                var firstRow = (s * rowsPerSeed) + (li * trials);
                init.CopyTo(theta, firstRow * width);
                Array.Fill(rates, (float)lrs[li], firstRow, trials);
            }
        }
        return (theta, rates);
    }

    private static T[] Slice<T>(T[] all, int seed, int perSeed) => all.AsSpan(seed * perSeed, perSeed).ToArray();

    /// <summary>The success rule: a model solves XOR when every output thresholded at 0.5 equals its target bit
    /// (above 0.5 for target 1, at or below for target 0). From points-major <paramref name="outputs"/>
    /// [models, points, rows] and <paramref name="targetBits"/> [points] to [rows, models] (row-major).</summary>
    public static Tensor Correct(Tensor outputs, Tensor targetBits)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        return outputs.permute(2, 0, 1).gt(0.5).eq(targetBits).all(-1);
    }

    /// <summary>Per seed: mean loss (over the models whose loss is finite) and success rate of each model type over
    /// that seed's rows.</summary>
    private static LiveReport[] Live(long step, int epochs, int seedCount, Tensor outputs, Tensor targetColumn, Tensor targetBits)
    {
        using var noGrad = no_grad();
        var loss = XorModels.LossPerModel(outputs, targetColumn);                           // [rows, 4 models]
        var perSeed = loss.reshape(seedCount, -1, XorModels.All.Count);                   // [seeds, rows/seed, 4]
        var finite = perSeed.isfinite();
        using var zero = 0.0.ToScalar(); // held: see ScalarPins
        var meanLoss = perSeed.masked_fill(finite.logical_not(), zero).sum([1L]) / finite.sum([1L]).to(ScalarType.Float32);
        var success = Correct(outputs, targetBits).to(ScalarType.Float32).reshape(seedCount, -1, XorModels.All.Count).mean([1]);
        var values = cat([meanLoss, success], 1).cpu().data<float>().ToArray();            // [seeds, 8]
        var reports = new LiveReport[seedCount];
        for (var s = 0; s < seedCount; s++)
        {
            var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var model in XorModels.All)
            {
                var key = XorModels.Key(model);
                var l = values[(s * 8) + (int)model];
                if (float.IsFinite(l)) metrics["loss/" + key] = l;      // all diverged: no point rather than NaN
                metrics["success/" + key] = values[(s * 8) + 4 + (int)model];
            }
            reports[s] = new LiveReport(step, (double)step / epochs, metrics);
        }
        return reports;
    }

    /// <summary>Makes a tensor in a throwaway scope (so intermediates die) and hands the result to the caller.</summary>
    private static Tensor Detached(Func<Tensor> make)
    {
        using var scope = NewDisposeScope();
        return make().DetachFromDisposeScope();
    }
}
