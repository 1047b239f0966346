namespace LayerLab.Training.Experiments.WidthVsDepth;

/// <summary>
/// A deep narrow ReLU network ℝ² → ℝ: <c>depth</c> hidden layers of <c>width</c> units, a linear output, parameters in
/// one flat vector, full-batch forward and backward by hand. The networks have 9 to 549 weights: plain C# on the CPU
/// is faster than any tensor dispatch, so this part of the experiment does not use a GPU even when one is present.
/// </summary>
public sealed class ReluMlp
{
    private readonly int[] _sizes;

    public ReluMlp(int width, int depth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        Width = width;
        Depth = depth;
        _sizes = [2, .. Enumerable.Repeat(width, depth), 1];
        for (var l = 0; l + 1 < _sizes.Length; l++) ParameterCount += (_sizes[l] * _sizes[l + 1]) + _sizes[l + 1];
    }

    public int Width { get; }
    public int Depth { get; }
    public int ParameterCount { get; }

    /// <summary>He-uniform weights (bound √(6/fan-in)), biases 0.01 (a small push away from dead units).</summary>
    public double[] Initial(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var theta = new double[ParameterCount];
        var offset = 0;
        for (var l = 0; l + 1 < _sizes.Length; l++)
        {
            var (fanIn, fanOut) = (_sizes[l], _sizes[l + 1]);
            var bound = Math.Sqrt(6.0 / fanIn);
            for (var i = 0; i < fanIn * fanOut; i++) theta[offset + i] = ((2 * random.NextDouble()) - 1) * bound;
            for (var j = 0; j < fanOut; j++) theta[offset + (fanIn * fanOut) + j] = 0.01;
            offset += (fanIn * fanOut) + fanOut;
        }
        return theta;
    }

    /// <summary>The network's output at one point.</summary>
    public double Predict(double[] theta, double x1, double x2)
    {
        ArgumentNullException.ThrowIfNull(theta);
        var a = new[] { x1, x2 };
        var offset = 0;
        for (var l = 0; l + 1 < _sizes.Length; l++)
        {
            var (fanIn, fanOut) = (_sizes[l], _sizes[l + 1]);
            var next = new double[fanOut];
            for (var j = 0; j < fanOut; j++)
            {
                var sum = theta[offset + (fanIn * fanOut) + j];
                for (var i = 0; i < fanIn; i++) sum += theta[offset + (j * fanIn) + i] * a[i];
                next[j] = l + 2 < _sizes.Length ? Math.Max(0, sum) : sum;
            }
            (a, offset) = (next, offset + (fanIn * fanOut) + fanOut);
        }
        return a[0];
    }

    /// <summary>Mean squared error over the points; with <paramref name="gradient"/> also its gradient (overwritten).</summary>
    public double Loss(double[] theta, double[] x, double[] y, double[]? gradient = null)
    {
        ArgumentNullException.ThrowIfNull(theta);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (gradient is not null) Array.Clear(gradient);
        var layers = _sizes.Length;
        var activations = new double[layers][];
        for (var l = 0; l < layers; l++) activations[l] = new double[_sizes[l]];
        var upstream = new double[_sizes.Max()];
        var below = new double[_sizes.Max()];
        var total = 0.0;
        for (var p = 0; p < y.Length; p++)
        {
            (activations[0][0], activations[0][1]) = (x[2 * p], x[(2 * p) + 1]);
            var offset = 0;
            for (var l = 0; l + 1 < layers; l++)
            {
                var (fanIn, fanOut) = (_sizes[l], _sizes[l + 1]);
                var hidden = l + 2 < layers;
                for (var j = 0; j < fanOut; j++)
                {
                    var sum = theta[offset + (fanIn * fanOut) + j];
                    for (var i = 0; i < fanIn; i++) sum += theta[offset + (j * fanIn) + i] * activations[l][i];
                    activations[l + 1][j] = hidden ? Math.Max(0, sum) : sum;
                }
                offset += (fanIn * fanOut) + fanOut;
            }
            var error = activations[^1][0] - y[p];
            total += error * error;
            if (gradient is null) continue;
            upstream[0] = 2 * error / y.Length;
            offset = ParameterCount;
            for (var l = layers - 2; l >= 0; l--)
            {
                var (fanIn, fanOut) = (_sizes[l], _sizes[l + 1]);
                offset -= (fanIn * fanOut) + fanOut;
                Array.Clear(below, 0, fanIn);
                for (var j = 0; j < fanOut; j++)
                {
                    var g = upstream[j];
                    if (g == 0) continue;
                    gradient[offset + (fanIn * fanOut) + j] += g;
                    for (var i = 0; i < fanIn; i++)
                    {
                        gradient[offset + (j * fanIn) + i] += g * activations[l][i];
                        below[i] += g * theta[offset + (j * fanIn) + i];
                    }
                }
                // Through the ReLU of the layer below (its output is positive exactly where it passed gradient).
                for (var i = 0; i < fanIn; i++) upstream[i] = activations[l][i] > 0 ? below[i] : 0;
            }
        }
        return total / y.Length;
    }
}
