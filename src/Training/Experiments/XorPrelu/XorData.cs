using TorchSharp;
using static TorchSharp.torch;

namespace LayerLab.Training.Experiments.XorPrelu;

/// <summary>How the two input bits are written: {0,1}² (the paper's setting) or {−1,1}².</summary>
public enum InputCoding { ZeroOne, PlusMinusOne }

/// <summary>
/// The whole XOR data set: the 4 points of the square, target x₁ XOR x₂ as 0/1. Plain C#; the trainer
/// turns it into two small constant tensors. The point order is fixed: (0,0), (0,1), (1,0), (1,1).
/// </summary>
public static class XorData
{
    public const int Points = 4;

    private static readonly int[,] Bits = { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } };

    /// <summary>Inputs as a row-major 4×2 array in the given coding.</summary>
    public static float[] Inputs(InputCoding coding)
    {
        var x = new float[Points * 2];
        for (var p = 0; p < Points; p++)
            for (var k = 0; k < 2; k++)
                x[(p * 2) + k] = coding == InputCoding.ZeroOne ? Bits[p, k] : (2 * Bits[p, k]) - 1;
        return x;
    }

    /// <summary>Targets x₁ XOR x₂ (0 or 1), whatever the input coding.</summary>
    public static float[] Targets()
    {
        var t = new float[Points];
        for (var p = 0; p < Points; p++) t[p] = Bits[p, 0] ^ Bits[p, 1];
        return t;
    }

    /// <summary>The transposed inputs Xᵀ [2, 4] on the device (so that w·x for all points is one matmul).</summary>
    /// The caller owns (and disposes) the result; the intermediates die with the local scope.
    public static Tensor InputsTransposed(InputCoding coding, Device device)
    {
        using var scope = NewDisposeScope();
        return tensor(Inputs(coding), [Points, 2], dtype: ScalarType.Float32).t().contiguous().to(device)
            .DetachFromDisposeScope();
    }

    /// <summary>The inputs X [4, 2] on the device (points-major programs: X·W for all points and rows is one mm).</summary>
    /// The caller owns (and disposes) the result.
    public static Tensor InputsTensor(InputCoding coding, Device device)
    {
        using var scope = NewDisposeScope();
        return tensor(Inputs(coding), [Points, 2], dtype: ScalarType.Float32).to(device).DetachFromDisposeScope();
    }

    /// <summary>Targets [4] on the device.</summary>
    public static Tensor TargetTensor(Device device)
    {
        using var scope = NewDisposeScope();
        return tensor(Targets(), [Points], dtype: ScalarType.Float32).to(device).DetachFromDisposeScope();
    }
}
