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
    private static readonly Scalar Zero = 0.0f.ToScalar();

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
    /// Builds the linear map on every call: for tests and one-off use; training loops call
    /// <see cref="Forward(Tensor, Tensor, MlpActivation, Tensor)"/> with the map made once by <see cref="LinearMap"/>.
    /// </summary>
    /// <param name="theta">[rows, Width] parameters.</param>
    /// <param name="inputsT">Xᵀ [2, 4].</param>
    public static Tensor Forward(Tensor theta, Tensor inputsT, MlpActivation mlpActivation)
    {
        using var map = LinearMap(inputsT);
        return Forward(theta, inputsT, mlpActivation, map);
    }

    /// <summary>Number of pre-activations per row: zp (4 points), zb (4), h (2 hidden units × 4), zg (4).</summary>
    public const int PreActivations = 20;

    /// <summary>
    /// The constant matrix M [<see cref="Width"/>, <see cref="PreActivations"/>] with θ·M = every model's
    /// pre-activation on the 4 points: w·x (+ b) of PReLU, PReLU+bias and GCU, and W₁x + b₁ of the MLP's hidden layer
    /// are all linear in θ, so one [rows, 19] × [19, 20] GEMM replaces two addmm, one mm and one bmm on inner
    /// dimensions of 2 (whose small-GEMM path cost 3–5× PyTorch 1.13's in libtorch 2.10; see docs/benchmarks.md).
    /// Columns: 0..3 zp, 4..7 zb, 8..15 h (hidden unit j at 8 + 4j), 16..19 zg. The caller disposes it.
    /// </summary>
    public static Tensor LinearMap(Tensor inputsT)
    {
        ArgumentNullException.ThrowIfNull(inputsT);
        var x = inputsT.cpu().contiguous().data<float>().ToArray();     // [2, 4] row-major: x[k * 4 + p]
        var m = new float[Width * PreActivations];
        void Set(int row, int column, float value) => m[(row * PreActivations) + column] = value;
        for (var p = 0; p < XorData.Points; p++)
        {
            for (var k = 0; k < 2; k++)
            {
                Set(PreluOffset + k, p, x[(k * 4) + p]);
                Set(PreluBiasOffset + k, 4 + p, x[(k * 4) + p]);
                for (var j = 0; j < 2; j++) Set(MlpOffset + (2 * j) + k, 8 + (4 * j) + p, x[(k * 4) + p]);
                Set(GcuOffset + k, 16 + p, x[(k * 4) + p]);
            }
            Set(PreluBiasOffset + 2, 4 + p, 1);                                   // b
            for (var j = 0; j < 2; j++) Set(MlpOffset + 4 + j, 8 + (4 * j) + p, 1); // b₁[j]
            Set(GcuOffset + 2, 16 + p, 1);                                        // b
        }
        using var scope = NewDisposeScope();
        return tensor(m, [Width, PreActivations], dtype: inputsT.dtype).to(inputsT.device).DetachFromDisposeScope();
    }

    /// <summary>
    /// Outputs of all four models for all rows on the 4 points: [rows, 4 models, 4 points] in <see cref="All"/> order.
    /// </summary>
    /// <param name="theta">[rows, Width] parameters.</param>
    /// <param name="inputsT">Xᵀ [2, 4] (only its shape is checked here; the map holds the points).</param>
    /// <param name="map"><see cref="LinearMap"/> of the same inputs.</param>
    public static Tensor Forward(Tensor theta, Tensor inputsT, MlpActivation mlpActivation, Tensor map)
    {
        ArgumentNullException.ThrowIfNull(theta);
        ArgumentNullException.ThrowIfNull(map);
        if (inputsT is null || inputsT.shape is not [2, XorData.Points]) throw new ArgumentException("inputsT must be [2, 4].", nameof(inputsT));
        var rows = theta.shape[0];
        var z = theta.mm(map);                                              // [rows, 20] all pre-activations
        // Only the parameters that are not inside the GEMM: PReLU slopes and the MLP's output layer.
        var p = theta.split(NonLinearSections, 1);
        var (pa, ba, w2, b2) = (p[1], p[3], p[5], p[6]);

        var zp = z.narrow(1, 0, 4);
        var yPrelu = where(zp.ge(Zero), zp, pa * zp);

        var zb = z.narrow(1, 4, 4);
        var yPreluBias = where(zb.ge(Zero), zb, ba * zb);

        // y = Σ_j w₂[r, j]·act(h[r, j, p]) + b₂[r].
        var h = z.narrow(1, 8, 8);
        var act = mlpActivation == MlpActivation.Tanh ? h.tanh() : h.relu();  // contiguous [rows, 8]
        var yMlp = (act.view(rows, 2, 4) * w2.unsqueeze(-1)).sum(1) + b2;     // [rows, 4]

        var zg = z.narrow(1, 16, 4);
        var yGcu = zg * zg.cos();

        return stack([yPrelu, yPreluBias, yMlp, yGcu], 1);
    }

    // Split sizes for the columns used outside the GEMM: 0..1 | a (2) | 3..5 | a (6) | 7..12 | w₂ (13..14) | b₂ (15) | 16..18.
    private static readonly long[] NonLinearSections = [2, 1, 3, 1, 6, 2, 1, 3];
}
