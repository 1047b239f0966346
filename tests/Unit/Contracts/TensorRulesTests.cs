using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.XorPrelu;

namespace LayerLab.Tests.Unit.Contracts;

public sealed class TensorRulesTests
{
    [Fact]
    public void Encoding_is_float32_little_endian_and_round_trips_exactly()
    {
        float[] values = [1f, -2.5f, 0.1f, float.Epsilon, -0f, 3.4e38f];
        var bytes = TensorRules.Encode(values);
        Assert.Equal(values.Length * 4, bytes.Length);
        Assert.Equal(new byte[] { 0x00, 0x00, 0x80, 0x3F }, bytes[..4]);          // 1.0f, low byte first
        Assert.Equal(new byte[] { 0x00, 0x00, 0x20, 0xC0 }, bytes[4..8]);         // -2.5f
        var back = TensorRules.Decode(bytes);
        Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), back.Select(BitConverter.SingleToInt32Bits)); // -0 stays -0
        Assert.Throws<ArgumentException>(() => TensorRules.Decode(new byte[5]));
    }

    [Theory]
    [InlineData(new[] { 2, 3 }, 6, 100, null)]
    [InlineData(new[] { 2, 3 }, 5, 100, "shape holds 6 values but data has 5.")]
    [InlineData(new[] { 0 }, 0, 100, "Every axis of shape must be at least 1.")]
    [InlineData(new int[0], 0, 100, "shape must have 1 to 3 axes; got 0.")]
    [InlineData(new[] { 1, 1, 1, 1 }, 1, 100, "shape must have 1 to 3 axes; got 4.")]
    [InlineData(new[] { 10, 11 }, 110, 100, "A tensor may hold at most 100 values.")]
    [InlineData(new[] { 10, 10 }, 100, 100, null)]
    // Overflow: 65536 × 65536 would wrap an int product; the cap is met first.
    [InlineData(new[] { 65536, 65536 }, 0, 100, "A tensor may hold at most 100 values.")]
    public void Shape_rules(int[] shape, long length, int max, string? problem) =>
        Assert.Equal(problem, TensorRules.ShapeProblem(shape, length, max));

    [Fact]
    public void Non_finite_values_and_odd_keys_are_refused()
    {
        Assert.Null(TensorRules.ValuesProblem([1, 2, 3]));
        Assert.Contains("data[1]", TensorRules.ValuesProblem([1, float.NaN, 3]), StringComparison.Ordinal);
        Assert.Contains("data[0]", TensorRules.ValuesProblem([float.NegativeInfinity]), StringComparison.Ordinal);
        Assert.Null(TensorRules.KeyProblem("attn.kq-1@2=3_x"));
        Assert.NotNull(TensorRules.KeyProblem("a/b"));
        Assert.NotNull(TensorRules.KeyProblem(""));
        Assert.NotNull(TensorRules.KeyProblem(new string('k', TensorRules.MaxKeyLength + 1)));
        Assert.Equal("3x4", TensorRules.FormatShape([3, 4]));
        Assert.Equal([3, 4], TensorRules.ParseShape("3x4"));
    }

    [Fact]
    public void The_xor_decision_surface_is_prelu_of_w_dot_x_on_the_grid()
    {
        // w = (1, -1), a = -1: the exact solution |x₁ − x₂|; zero on the diagonal, 2 at the corners (±1, ∓1).
        var grid = XorTensors.Surface(1, -1, -1, InputCoding.PlusMinusOne);
        var n = XorTensors.GridSize;
        Assert.Equal(n * n, grid.Length);
        for (var i = 0; i < n; i++) Assert.Equal(0f, grid[(i * n) + i]);
        float At(float x1, float x2) => grid[(int)Math.Round((x2 + 1.5f) / 3f * (n - 1)) * n + (int)Math.Round((x1 + 1.5f) / 3f * (n - 1))];
        Assert.Equal(2f, At(1, -1), 5);
        Assert.Equal(2f, At(-1, 1), 5);
        Assert.Equal(0f, At(1, 1), 5);
    }
}

public sealed class IclMatricesTests
{
    [Fact]
    public void Key_query_and_projection_value_matrices_are_K_transpose_Q_and_P_V_per_head()
    {
        // One layer, two heads, d = 1 (e = 2); θ = [q (2×2×2), k, v, p] in layout order, values chosen so that
        // KᵀQ ≠ KQ and PV ≠ VP: a transposition slip fails the test.
        var settings = LayerLab.Training.Experiments.IclLinReg.IclLinRegSettings.Default with { Dim = 1, Layers = 1, Heads = 2, Mlp = false, LayerNorm = false };
        var model = new LayerLab.Training.Experiments.IclLinReg.IclModel(settings);
        Assert.Equal(32, model.ParameterCount);
        float[] q = [1, 2, 3, 4, /* head 1 */ 1, 0, 0, 1];
        float[] k = [0, 1, 2, 1, /* head 1 */ 2, 0, 0, 2];
        float[] v = [1, 1, 0, 1, /* head 1 */ 0, 0, 0, 1];
        float[] p = [2, 0, 1, 1, /* head 1 */ 1, 1, 1, 1];
        var matrices = model.Matrices([.. q, .. k, .. v, .. p], step: 7);
        Assert.Equal(["kq.l0", "pv.l0"], matrices.Select(m => m.Key));
        Assert.All(matrices, m => { Assert.Equal(7, m.Step); Assert.Equal([2, 2, 2], m.Shape); });
        // Head 0: Kᵀ = [[0,2],[1,1]], KᵀQ = [[6,8],[4,6]] (KQ would be [[3,4],[5,8]]); P V = [[2,2],[1,2]]. Head 1: KᵀQ = 2I, P V = [[0,1],[0,1]].
        Assert.Equal([6f, 8, 4, 6, 2, 0, 0, 2], matrices[0].Data);
        Assert.Equal([2f, 2, 1, 2, 0, 1, 0, 1], matrices[1].Data);
    }
}
