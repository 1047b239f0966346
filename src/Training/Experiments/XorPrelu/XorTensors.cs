using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.Shared;
using static TorchSharp.torch;

namespace LayerLab.Training.Experiments.XorPrelu;

/// <summary>
/// What xor-prelu shows inside its models at each reported step, per seed:
/// <list type="bullet">
/// <item><c>prelu.theta</c> [trials (≤ 64), 3]: (w₁, w₂, a) of every PReLU trial at the middle learning rate, so the
/// step slider shows the trials' trajectories in parameter space.</item>
/// <item><c>prelu.surface</c> [25, 25]: the output y = PReLU_a(w·x) of one model (trial 0, middle learning rate) on a grid
/// over the input square; row i is x₂, column j is x₁, both from <see cref="GridLow"/> to <see cref="GridHigh"/> of the
/// coding. The XOR solution is the valley |x₁ − x₂| along the diagonal.</item>
/// </list>
/// </summary>
public static class XorTensors
{
    public const int MaxTrials = 64;
    public const int GridSize = 25;

    public static float GridLow(InputCoding coding) => coding == InputCoding.ZeroOne ? -0.5f : -1.5f;
    public static float GridHigh(InputCoding coding) => coding == InputCoding.ZeroOne ? 1.5f : 1.5f;

    /// <summary>Adds each seed's tensors to its report. <paramref name="thetaT"/> is θᵀ [Width, rows].</summary>
    internal static IReadOnlyList<LiveReport> Attach(IReadOnlyList<LiveReport> reports, Tensor thetaT, XorPreluSettings settings, long step)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var prelu = thetaT.narrow(0, XorModels.PreluOffset, 3).detach().cpu().contiguous().data<float>().ToArray(); // [3, rows]
        var rows = prelu.Length / 3;
        var rowsPerSeed = rows / reports.Count;
        var trials = settings.Trials;
        var middle = settings.LearningRates().Length / 2;
        var shown = Math.Min(trials, MaxTrials);
        var result = new LiveReport[reports.Count];
        for (var s = 0; s < reports.Count; s++)
        {
            var first = (s * rowsPerSeed) + (middle * trials);
            var theta = new float[shown * 3];
            for (var t = 0; t < shown; t++)
                for (var c = 0; c < 3; c++) theta[(t * 3) + c] = prelu[(c * rows) + first + t];
            result[s] = reports[s] with
            {
                Tensors =
                [
                    new TensorSample("prelu.theta", step, [shown, 3], theta),
                    new TensorSample("prelu.surface", step, [GridSize, GridSize], Surface(theta[0], theta[1], theta[2], settings.Coding)),
                ],
            };
        }
        return result;
    }

    /// <summary>y = PReLU_a(w₁x₁ + w₂x₂) on the grid (row = x₂, column = x₁).</summary>
    public static float[] Surface(float w1, float w2, float a, InputCoding coding)
    {
        var (low, high) = (GridLow(coding), GridHigh(coding));
        var grid = new float[GridSize * GridSize];
        for (var i = 0; i < GridSize; i++)
        {
            var x2 = low + ((high - low) * i / (GridSize - 1));
            for (var j = 0; j < GridSize; j++)
            {
                var x1 = low + ((high - low) * j / (GridSize - 1));
                var z = (w1 * x1) + (w2 * x2);
                grid[(i * GridSize) + j] = z >= 0 ? z : a * z;
            }
        }
        return grid;
    }
}
