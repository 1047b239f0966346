using TorchSharp;
using static TorchSharp.torch;

namespace LayerLab.Training.Experiments.XorPrelu;

/// <summary>The four model types every run trains side by side.</summary>
public enum XorModel { Prelu, PreluBias, Mlp, Gcu }

/// <summary>
/// Hidden activation of the 2-2-1 MLP baseline (linear output, like the other models). tanh is the default: it is the
/// classic XOR network (the sigmoid MLP of Rumelhart et al., zero-centred) and the stronger baseline here — with 2
/// hidden ReLUs a unit that dies at initialisation leaves a linear model that cannot fit XOR (measured: relu ≤ ~40%
/// success per learning rate with {−1,1} inputs, tanh up to ~95%). Testing the claim against the stronger baseline is
/// the fair choice; relu stays selectable.
/// </summary>
public enum MlpActivation { Tanh, Relu }

/// <summary>
/// All four model types of many independent trials as one batched tensor program.
/// Every row of the flat parameter tensor θ [rows, <see cref="Width"/>] holds one complete set of parameters
/// of each model type (one "trial at one learning rate"); rows never interact, so summing the per-row losses
/// and back-propagating once yields every model's own gradient.
/// Column layout of a row:
/// <code>
///  0..2   prelu       w₁ w₂ a            y = PReLU_a(w·x)                      (3 parameters)
///  3..6   prelu_bias  w₁ w₂ b a          y = PReLU_a(w·x + b)                  (4)
///  7..15  mlp         W₁ (2×2, row j = hidden unit j) b₁ (2) w₂ (2) b₂      (9)
/// 16..18  gcu         w₁ w₂ b            y = z·cos z, z = w·x + b              (3)
/// </code>
/// PReLU_a(z) = z for z ≥ 0 and a·z otherwise.
/// </summary>
public static class XorModels
{
    public const int Width = 19;
    public const int PreluOffset = 0;
    public const int PreluBiasOffset = 3;
    public const int MlpOffset = 7;
    public const int GcuOffset = 16;

    public static readonly IReadOnlyList<XorModel> All = [XorModel.Prelu, XorModel.PreluBias, XorModel.Mlp, XorModel.Gcu];

    /// <summary>Column of each PReLU slope (initialised to a constant, see <see cref="InitialSlope"/>).</summary>
    private static readonly int[] SlopeColumns = [PreluOffset + 2, PreluBiasOffset + 3];

    /// <summary>PyTorch's <c>nn.PReLU</c> default initial slope.</summary>
    public const float InitialSlope = 0.25f;

    // One native scalar for the whole process (dispose scopes do not track scalars; an implicit 0 would make one per call).
    // In a class of its own: XorModels' other statics (All, Key) describe the experiment in the catalog at portal start,
    // and a native scalar among them would load libtorch then; this one is created on the first forward pass.
    private static class Native
    {
        public static readonly Scalar Zero = 0.0f.ToScalar();
        public static readonly Scalar Quarter = 0.25f.ToScalar();
    }

    // Split sizes in column order: prelu w | a, prelu_bias w | b | a, mlp W1 | b1 | w2 | b2, gcu w | b.
    private static readonly long[] Sections = [2, 1, 2, 1, 1, 4, 2, 2, 1, 2, 1];

    public static string Key(XorModel model) => model switch
    {
        XorModel.Prelu => "prelu",
        XorModel.PreluBias => "prelu_bias",
        XorModel.Mlp => "mlp",
        XorModel.Gcu => "gcu",
        _ => throw new ArgumentOutOfRangeException(nameof(model)),
    };

    public static string DisplayName(XorModel model) => model switch
    {
        XorModel.Prelu => "PReLU",
        XorModel.PreluBias => "PReLU+bias",
        XorModel.Mlp => "MLP",
        XorModel.Gcu => "GCU",
        _ => throw new ArgumentOutOfRangeException(nameof(model)),
    };

    /// <summary>
    /// Initial parameters of <paramref name="trials"/> trials, row-major [trials, Width], drawn from a seeded
    /// generator on the CPU (so the same seed gives the same start on every device). Like PyTorch's defaults for
    /// <c>nn.Linear</c>: every weight and bias ~ U(−k, k) with k = scale/√fan_in (fan_in is 2 for every layer
    /// here); every PReLU slope starts at 0.25.
    /// </summary>
    public static float[] InitialParameters(int trials, long seed, double scale)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(unchecked((ulong)seed), CPU);
        var u = rand([trials, Width], dtype: ScalarType.Float32, generator: generator).data<float>().ToArray();
        var bound = (float)(scale / Math.Sqrt(2));
        for (var i = 0; i < u.Length; i++) u[i] = ((2 * u[i]) - 1) * bound;
        for (var r = 0; r < trials; r++)
            foreach (var c in SlopeColumns) u[(r * Width) + c] = InitialSlope;
        return u;
    }

    /// <summary>
    /// Outputs of all four models for all rows on the 4 points: [rows, 4 models, 4 points] in <see cref="All"/> order.
    /// The row-major view of <see cref="ForwardPointsMajor"/> (same arithmetic; for tests and one-off evaluations).
    /// </summary>
    /// <param name="theta">[rows, Width] parameters.</param>
    /// <param name="inputsT">Xᵀ [2, 4].</param>
    public static Tensor Forward(Tensor theta, Tensor inputsT, MlpActivation mlpActivation) =>
        ForwardPointsMajor(theta.t(), inputsT.t(), mlpActivation).permute(2, 0, 1);

    /// <summary>
    /// Outputs of all four models for all rows on the 4 points, points-major: [4 models, 4 points, rows] in
    /// <see cref="All"/> order, from θᵀ [Width, rows] (parameter k of every row is the contiguous row k).
    /// Why this layout: every per-point tensor is [4, rows], so broadcasting a per-row parameter over the points and
    /// its gradient's sum back over them run over the outer dimension (vectorised across rows). Row-major, those sums
    /// reduce an inner dimension of 4, which libtorch 2.10's reduction kernels do 2.7–3× slower than PyTorch 1.13's;
    /// the default-size step takes 2.4× less CPU this way (docs/benchmarks.md, "Training step vs PyTorch (2026-11-23)").
    /// Each model still reads only its own columns (no shared GEMM), so a diverged model cannot turn its neighbours
    /// in the row into NaN.
    /// </summary>
    /// <param name="thetaT">θᵀ [Width, rows].</param>
    /// <param name="inputs">X [4, 2].</param>
    public static Tensor ForwardPointsMajor(Tensor thetaT, Tensor inputs, MlpActivation mlpActivation)
    {
        var rows = thetaT.shape[1];
        var p = thetaT.split(Sections, 0);
        var (pw, pa) = (p[0], p[1]);                         // [2, rows], [1, rows]
        var (bw, bb, ba) = (p[2], p[3], p[4]);
        var (w1, b1, w2, b2) = (p[5], p[6], p[7], p[8]);
        var (gw, gb) = (p[9], p[10]);

        var zp = inputs.mm(pw);                             // [4, rows]
        var yPrelu = where(zp.ge(Native.Zero), zp, pa * zp);

        var zb = addmm(bb, inputs, bw, 1, 1);
        var yPreluBias = where(zb.ge(Native.Zero), zb, ba * zb);

        // h[j, p, r] = Σ_k W₁[r, j, k]·x[p, k] + b₁[r, j]; y = Σ_j w₂[r, j]·act(h[j, p, r]) + b₂[r].
        var h = inputs.matmul(w1.view(2, 2, rows)) + b1.unsqueeze(1);        // [2 units, 4, rows]
        var act = mlpActivation == MlpActivation.Tanh ? h.tanh() : h.relu();
        var yMlp = (act * w2.unsqueeze(1)).sum(Dim0) + b2;                   // [4, rows]

        var zg = addmm(gb, inputs, gw, 1, 1);
        var yGcu = zg * zg.cos();

        return stack([yPrelu, yPreluBias, yMlp, yGcu], 0);
    }

    private static readonly long[] Dim0 = [0];

    /// <summary>
    /// The training loss of a points-major forward: Σ over rows and models of each model's mean squared error over
    /// the 4 points (so its gradient is every model's own gradient).
    /// </summary>
    /// <param name="outputs">[4 models, 4 points, rows].</param>
    /// <param name="targetColumn">[4 points, 1].</param>
    public static Tensor TotalLoss(Tensor outputs, Tensor targetColumn) =>
        (outputs - targetColumn).square().sum().mul(Native.Quarter);

    /// <summary>Each model's mean squared error over the 4 points, row-major [rows, 4 models] (for reports).</summary>
    public static Tensor LossPerModel(Tensor outputs, Tensor targetColumn) =>
        (outputs - targetColumn).square().mean(Dim1).t();

    private static readonly long[] Dim1 = [1];
}
