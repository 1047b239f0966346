using LayerLab.Training.Checkpoints;
using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.Shared;
using TorchSharp;
using static TorchSharp.torch;

namespace LayerLab.Training.Experiments.IclTaskCount;

/// <summary>
/// Final parameters of every trained model (rows: the finite pools ascending, then fresh tasks) and the task pool.
/// Gamma model: Γ [rows, d, d]. Full model: u [rows, d+1] and V [rows, d+1, d].
/// </summary>
public sealed class TaskCountOutcome(TaskCountModel model, long[] pools, int dimension, float[] gammas, float[] u, float[] v, double[] poolTasks)
{
    /// <summary>Test prompts of the Monte-Carlo risk of the full model (summary; live reports use 1,024).</summary>
    public const int FullModelPrompts = 8_192;

    public TaskCountModel Model { get; } = model;

    /// <summary>Pool size of each row; 0 = fresh tasks every step (M = ∞).</summary>
    public IReadOnlyList<long> Pools { get; } = pools;
    public int Dimension { get; } = dimension;

    /// <summary>Row-major d×d Γ of row <paramref name="row"/> (gamma model only).</summary>
    public ReadOnlySpan<float> Gamma(int row) => gammas.AsSpan(row * Dimension * Dimension, Dimension * Dimension);

    /// <summary>The largest pool's tasks, [maxM, d] row-major; pool M is its first M rows.</summary>
    public ReadOnlyMemory<double> PoolTasks { get; } = poolTasks;

    /// <summary>Fresh-task risk of every row at context length n: exact for gamma, Monte Carlo for full.</summary>
    public double[] Risks(double[] s, int n, double noise, long seed, int prompts = FullModelPrompts)
    {
        if (Model == TaskCountModel.Full) return TaskCountReference.FullModelRisk(u, v, Pools.Count, s, n, noise, prompts, seed);
        var risks = new double[Pools.Count];
        for (var r = 0; r < risks.Length; r++) risks[r] = TaskCountReference.Risk(Gamma(r), s, n, noise);
        return risks;
    }
}

/// <summary>
/// Trains every pool size at once: the parameters carry a leading [rows] dimension, each step draws a batch of
/// prompts per row (tasks uniform over that row's pool, or fresh), and one Adam step on the sum of the rows' mean
/// squared errors updates every row by its own gradient (Adam is elementwise, so rows stay independent).
/// Gamma: ŷ = x_qᵀ Γ h, h = (1/N) Σ yᵢxᵢ, Γ from 0. Full: ŷ = uᵀ G V x_q, G = (1/N) Σ zᵢzᵢᵀ, zᵢ = (xᵢ, yᵢ),
/// from u = e_y, V = 0 (so it contains the gamma model: V = [Γᵀ; 0]).
/// Checkpoints hold Γ/u/V, Adam's state and the CPU generator's state (the pool draw is redone from the seed):
/// a resumed run continues exactly where it stopped.
/// </summary>
public static class TaskCountTrainer
{
    public static TaskCountOutcome Run(
        IclTaskCountSettings settings, long seed, Device device, Action<LiveReport> report, CancellationToken cancellationToken,
        RunCheckpoints? checkpoints = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(report);
        cancellationToken.ThrowIfCancellationRequested();
        checkpoints ??= RunCheckpoints.None();
        using var threads = device.type == DeviceType.CPU ? SingleIntraOpThread.Enter() : null;

        var finite = settings.PoolSizes();
        long[] pools = [.. finite, 0];
        var rows = pools.Length;
        var (d, n, batch, steps) = (settings.Dimension, settings.TrainContext, settings.Batch, settings.Steps);
        var s = settings.Eigenvalues();
        var maxPool = finite.Max();
        var full = settings.Model == TaskCountModel.Full;

        using var generator = new Generator(unchecked((ulong)seed), CPU);
        // One draw of maxM tasks; pool M is its first M tasks (nested pools: differences between M are not draw noise).
        double[] poolTasks;
        using (var scope = NewDisposeScope())
            poolTasks = (randn([maxPool, d], dtype: ScalarType.Float64, generator: generator) / Math.Sqrt(d)).data<double>().ToArray();

        using var allTasks = tensor(poolTasks.Select(v => (float)v).ToArray(), [maxPool, d]).to(device);
        using var poolSizes = tensor(finite.Select(m => (float)m).ToArray(), [finite.Length, 1]);   // CPU: sampling only
        using var sqrtS = tensor(s.Select(v => (float)Math.Sqrt(v)).ToArray(), [d]).to(device);
        using var gamma = new TorchSharp.Modules.Parameter(zeros([full ? 1 : rows, d, d], device: device));
        using var uParam = new TorchSharp.Modules.Parameter(
            zeros([full ? rows : 1, d + 1], device: device).index_fill_(1, tensor(new long[] { d }, device: device), 1));
        using var vParam = new TorchSharp.Modules.Parameter(zeros([full ? rows : 1, d + 1, d], device: device));
        using var adam = full ? optim.Adam([uParam, vParam], lr: settings.LearningRate) : optim.Adam([gamma], lr: settings.LearningRate);
        var noiseStd = (float)Math.Sqrt(settings.NoiseVariance);
        var invSqrtD = (float)(1 / Math.Sqrt(d));

        var start = 0;
        if (checkpoints.Resume() is { } checkpoint)
        {
            using var reader = checkpoint.OpenState();
            if (reader.ReadInt32() != StateVersion) throw new InvalidDataException("icl-task-count checkpoint of another version");
            using (no_grad())
            {
                foreach (var p in new[] { gamma, uParam, vParam })
                {
                    using var saved = ReadTensor(reader, p.shape);
                    p.copy_(saved);
                }
            }
            adam.load_state_dict(reader);
            using (var state = ReadTensor(reader, null, ScalarType.Byte)) generator.set_state(state);
            start = checked((int)checkpoint.Step);
        }

        var every = settings.ReportEvery;
        for (var step = start; step < steps; step++)
        {
            checkpoints.AtStep(step, writer =>
            {
                writer.Write(StateVersion);
                foreach (var p in new[] { gamma, uParam, vParam }) WriteTensor(writer, p);
                adam.save_state_dict(writer);
                using var state = generator.get_state();
                WriteTensor(writer, state);
            }, cancellationToken);
            if (step % every == 0) report(Live(step, settings, pools, Snapshot(full, gamma, uParam, vParam, pools, d, seed), s));
            // Cosine decay to 0: the loss is a noisy quadratic (gamma), so a decaying rate lands on its minimum.
            var lr = settings.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * step / steps));
            foreach (var group in adam.ParamGroups) group.LearningRate = lr;
            using var scope = NewDisposeScope();
            using var k = new ScalarPins();
            // Data are drawn on the CPU generator (deterministic per seed), then moved to the device.
            var pick = (rand([finite.Length, batch], generator: generator) * poolSizes).floor().to(ScalarType.Int64)
                .clamp(k[0L], k[maxPool - 1L]).to(device);
            var pooled = allTasks.index_select(0, pick.reshape(-1)).reshape(finite.Length, batch, d);
            var fresh = randn([1, batch, d], generator: generator).to(device) * k[invSqrtD];
            var w = cat([pooled, fresh], 0);                                               // [R, B, d]
            var x = randn([rows, batch, n + 1, d], generator: generator).to(device) * sqrtS;  // [R, B, N+1, d]
            var y = x.matmul(w.unsqueeze(-1)).squeeze(-1)
                + (randn([rows, batch, n + 1], generator: generator).to(device) * k[noiseStd]);    // [R, B, N+1]
            var xc = x.narrow(2, 0, n);
            var yc = y.narrow(2, 0, n);
            var xq = x.select(2, n);                                                       // [R, B, d]
            var yq = y.select(2, n);                                                       // [R, B]
            Tensor pred;
            if (full)
            {
                var zc = cat([xc, yc.unsqueeze(-1)], -1);                                  // [R, B, N, d+1]
                var vq = vParam.unsqueeze(1).matmul(xq.unsqueeze(-1));                     // V x_q: [R, B, d+1, 1]
                var gv = zc.transpose(2, 3).matmul(zc.matmul(vq)).squeeze(-1) / k[(long)n]; // G V x_q: [R, B, d+1]
                pred = (gv * uParam.unsqueeze(1)).sum(-1);
            }
            else
            {
                var h = xc.transpose(2, 3).matmul(yc.unsqueeze(-1)).squeeze(-1) / k[(long)n]; // [R, B, d]
                pred = (xq.matmul(gamma) * h).sum(-1);                                     // x_qᵀ Γ h
            }
            var loss = (pred - yq).pow(k[2.0]).mean([1]).sum(); // square() would make an unpinned temporary Scalar
            adam.zero_grad();
            loss.backward();
            adam.step();
            // Read back only at report steps: a per-step sync would cost more than the check is worth.
            if (step % every == 0) TrainingDivergedException.ThrowIfNotFinite(loss.item<float>(), step);
        }
        var outcome = Snapshot(full, gamma, uParam, vParam, pools, d, seed, poolTasks);
        report(Live(steps, settings, pools, outcome, s));
        return outcome;
    }

    private const int StateVersion = 1;

    /// <summary>A tensor's raw bytes on the CPU (float32 parameters, the generator's byte state).</summary>
    private static void WriteTensor(BinaryWriter writer, Tensor value)
    {
        using var noGrad = no_grad();
        using var cpu = value.detach().cpu().contiguous();
        var bytes = cpu.bytes.ToArray();
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    private static Tensor ReadTensor(BinaryReader reader, long[]? shape, ScalarType type = ScalarType.Float32)
    {
        var bytes = reader.ReadBytes(reader.ReadInt32());
        var size = type == ScalarType.Byte ? 1 : 4;
        var result = empty(shape ?? [bytes.Length / size], dtype: type);
        if (result.NumberOfElements * size != bytes.Length) throw new InvalidDataException("checkpoint tensor of another size");
        result.bytes = bytes;
        return result;
    }

    private static TaskCountOutcome Snapshot(bool full, Tensor gamma, Tensor u, Tensor v, long[] pools, int d, long seed, double[]? poolTasks = null)
    {
        using var noGrad = no_grad();
        float[] Copy(Tensor t) => t.detach().cpu().data<float>().ToArray();
        return full
            ? new TaskCountOutcome(TaskCountModel.Full, pools, d, [], Copy(u), Copy(v), poolTasks ?? [])
            : new TaskCountOutcome(TaskCountModel.Gamma, pools, d, Copy(gamma), [], [], poolTasks ?? []);
    }

    /// <summary>Test MSE on fresh tasks of every row at n_test (exact for gamma; for full, Monte Carlo on fixed prompts).</summary>
    private static LiveReport Live(long step, IclTaskCountSettings settings, long[] pools, TaskCountOutcome state, double[] s)
    {
        var risks = state.Risks(s, settings.TestContext, settings.NoiseVariance, 977, 1_024);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var r = 0; r < pools.Length; r++) metrics["test_mse/M=" + IclTaskCountSettings.Label(pools[r])] = risks[r];
        return new LiveReport(step, (double)step / settings.Steps, metrics) { Tensors = Gammas(step, pools, state) };
    }

    /// <summary>Γ of every task-pool size as "gamma.M={M}" [d, d] (gamma model only): with few tasks it memorises them,
    /// with many it approaches the Bayes-optimal ridge form, a multiple of I.</summary>
    private static IReadOnlyList<TensorSample> Gammas(long step, long[] pools, TaskCountOutcome state)
    {
        if (state.Model != TaskCountModel.Gamma) return [];
        var d = state.Dimension;
        return [.. pools.Select((pool, r) => new TensorSample("gamma.M=" + IclTaskCountSettings.Label(pool), step, [d, d], state.Gamma(r).ToArray()))];
    }
}
