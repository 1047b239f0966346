using LayerLab.Training.Experiments.Shared;
using TorchSharp;
using static TorchSharp.torch;

namespace LayerLab.Training.Experiments.IclTaskCount;

/// <summary>Final Γ of every trained model (rows: the finite pools ascending, then fresh tasks) and the task pool.</summary>
public sealed class IclOutcome(long[] pools, int dimension, float[] gammas, double[] poolTasks)
{
    /// <summary>Pool size of each row; 0 = fresh tasks every step (M = ∞).</summary>
    public IReadOnlyList<long> Pools { get; } = pools;
    public int Dimension { get; } = dimension;

    /// <summary>Row-major d×d Γ of row <paramref name="row"/>.</summary>
    public ReadOnlySpan<float> Gamma(int row) => gammas.AsSpan(row * Dimension * Dimension, Dimension * Dimension);

    /// <summary>The largest pool's tasks, [maxM, d] row-major; pool M is its first M rows.</summary>
    public ReadOnlyMemory<double> PoolTasks { get; } = poolTasks;
}

/// <summary>
/// Trains Γ ∈ R^{d×d} of ŷ = x_qᵀ Γ (1/N) Σ yᵢxᵢ for every pool size at once: Γ is one [rows, d, d] tensor, each step
/// draws a batch of prompts per row (tasks uniform over that row's pool, or fresh), and one Adam step on the sum of
/// the rows' mean squared errors updates every row by its own gradient (Adam is elementwise, so rows stay independent).
/// </summary>
public static class IclTrainer
{
    public static IclOutcome Run(IclTaskCountSettings settings, long seed, Device device, Action<LiveReport> report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(report);
        cancellationToken.ThrowIfCancellationRequested();
        using var threads = device.type == DeviceType.CPU ? SingleIntraOpThread.Enter() : null;

        var finite = settings.PoolSizes();
        long[] pools = [.. finite, 0];
        var rows = pools.Length;
        var (d, n, batch, steps) = (settings.Dimension, settings.TrainContext, settings.Batch, settings.Steps);
        var s = settings.Eigenvalues();
        var maxPool = finite.Max();

        using var generator = new Generator(unchecked((ulong)seed), CPU);
        // One draw of maxM tasks; pool M is its first M tasks (nested pools: differences between M are not draw noise).
        double[] poolTasks;
        using (var scope = NewDisposeScope())
            poolTasks = (randn([maxPool, d], dtype: ScalarType.Float64, generator: generator) / Math.Sqrt(d)).data<double>().ToArray();

        using var allTasks = tensor(poolTasks.Select(v => (float)v).ToArray(), [maxPool, d]).to(device);
        using var poolSizes = tensor(finite.Select(m => (float)m).ToArray(), [finite.Length, 1]);   // CPU: sampling only
        using var sqrtS = tensor(s.Select(v => (float)Math.Sqrt(v)).ToArray(), [d]).to(device);
        using var gamma = new TorchSharp.Modules.Parameter(zeros([rows, d, d], device: device));
        using var adam = optim.Adam([gamma], lr: settings.LearningRate);
        var noiseStd = (float)Math.Sqrt(settings.NoiseVariance);
        var invSqrtD = (float)(1 / Math.Sqrt(d));

        var every = settings.ReportEvery;
        for (var step = 0; step < steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (step % every == 0) report(Live(step, settings, pools, gamma, s));
            // Cosine decay to 0: the loss is a noisy quadratic, so a decaying rate lands on its minimum.
            var lr = settings.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * step / steps));
            foreach (var group in adam.ParamGroups) group.LearningRate = lr;
            using var scope = NewDisposeScope();
            // Data are drawn on the CPU generator (deterministic per seed), then moved to the device.
            var pick = (rand([finite.Length, batch], generator: generator) * poolSizes).floor().to(ScalarType.Int64)
                .clamp(0, maxPool - 1).to(device);
            var pooled = allTasks.index_select(0, pick.reshape(-1)).reshape(finite.Length, batch, d);
            var fresh = randn([1, batch, d], generator: generator).to(device) * invSqrtD;
            var w = cat([pooled, fresh], 0);                                               // [R, B, d]
            var x = randn([rows, batch, n + 1, d], generator: generator).to(device) * sqrtS;  // [R, B, N+1, d]
            var y = x.matmul(w.unsqueeze(-1)).squeeze(-1)
                + (randn([rows, batch, n + 1], generator: generator).to(device) * noiseStd);    // [R, B, N+1]
            var xc = x.narrow(2, 0, n);
            var yc = y.narrow(2, 0, n);
            var h = xc.transpose(2, 3).matmul(yc.unsqueeze(-1)).squeeze(-1) / n;            // [R, B, d]
            var xq = x.select(2, n);                                                       // [R, B, d]
            var yq = y.select(2, n);                                                       // [R, B]
            var pred = (xq.matmul(gamma) * h).sum(-1);                                     // x_qᵀ Γ h
            var loss = (pred - yq).square().mean([1]).sum();
            adam.zero_grad();
            loss.backward();
            adam.step();
        }
        report(Live(steps, settings, pools, gamma, s));
        var final = gamma.detach().cpu().data<float>().ToArray();
        return new IclOutcome(pools, d, final, poolTasks);
    }

    /// <summary>Exact test MSE (closed form, fresh tasks) of every row at n_test, from the current Γ.</summary>
    private static LiveReport Live(long step, IclTaskCountSettings settings, long[] pools, Tensor gamma, double[] s)
    {
        float[] values;
        using (no_grad()) values = gamma.detach().cpu().data<float>().ToArray();
        var dd = settings.Dimension * settings.Dimension;
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var r = 0; r < pools.Length; r++)
        {
            var risk = IclReference.Risk(values.AsSpan(r * dd, dd), s, settings.TestContext, settings.NoiseVariance);
            metrics["test_mse/M=" + IclTaskCountSettings.Label(pools[r])] = risk;
        }
        return new LiveReport(step, (double)step / settings.Steps, metrics);
    }
}
