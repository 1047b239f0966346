namespace LayerLab.Training.Experiments.LinearPolicy;

/// <summary>
/// A policy network on a flat parameter vector: no hidden layer is the linear policy a = W·o + b; hidden layers use
/// tanh (the 2 × 64 MLP baseline). ES perturbs the flat vector directly; REINFORCE backpropagates by hand. Plain C#:
/// at most a few thousand weights per step, where a tensor dispatch would cost more than the arithmetic.
/// </summary>
public sealed class DensePolicy
{
    private readonly int[] _sizes;
    private readonly double[][] _activations; // per layer, input first (the last is the output, before any squashing)

    /// <param name="hidden">Hidden layer widths; empty for the linear policy.</param>
    public DensePolicy(int inputs, IReadOnlyList<int> hidden, int outputs)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        _sizes = [inputs, .. hidden, outputs];
        ParameterCount = 0;
        for (var l = 0; l + 1 < _sizes.Length; l++) ParameterCount += (_sizes[l] * _sizes[l + 1]) + _sizes[l + 1];
        _activations = _sizes.Select(s => new double[s]).ToArray();
    }

    public int ParameterCount { get; }
    public int Inputs => _sizes[0];
    public int Outputs => _sizes[^1];
    public bool IsLinear => _sizes.Length == 2;

    /// <summary>Initial parameters: zero for the linear policy (ES and REINFORCE both start there, as ARS does);
    /// for the MLP, weights ~ U(±1/√fan-in) (PyTorch's nn.Linear default) and zero output layer.</summary>
    public double[] Initial(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var theta = new double[ParameterCount];
        var offset = 0;
        for (var l = 0; l + 1 < _sizes.Length; l++)
        {
            var (fanIn, fanOut) = (_sizes[l], _sizes[l + 1]);
            var last = l + 2 == _sizes.Length;
            var bound = 1 / Math.Sqrt(fanIn);
            for (var i = 0; i < (fanIn * fanOut) + fanOut; i++)
                theta[offset + i] = last ? 0 : (2 * random.NextDouble() - 1) * bound;
            offset += (fanIn * fanOut) + fanOut;
        }
        return theta;
    }

    /// <summary>Output (logits or action means) for an observation; keeps the activations for <see cref="Backward"/>.</summary>
    public ReadOnlySpan<double> Forward(ReadOnlySpan<double> theta, ReadOnlySpan<double> input)
    {
        input.CopyTo(_activations[0]);
        var offset = 0;
        for (var l = 0; l + 1 < _sizes.Length; l++)
        {
            var (fanIn, fanOut) = (_sizes[l], _sizes[l + 1]);
            var x = _activations[l];
            var y = _activations[l + 1];
            var weights = theta.Slice(offset, fanIn * fanOut);
            var bias = theta.Slice(offset + (fanIn * fanOut), fanOut);
            var hidden = l + 2 < _sizes.Length;
            for (var j = 0; j < fanOut; j++)
            {
                var sum = bias[j];
                var row = weights.Slice(j * fanIn, fanIn);
                for (var i = 0; i < fanIn; i++) sum += row[i] * x[i];
                y[j] = hidden ? Math.Tanh(sum) : sum;
            }
            offset += (fanIn * fanOut) + fanOut;
        }
        return _activations[^1];
    }

    /// <summary>Adds d(objective)/dθ to <paramref name="gradient"/>, given d(objective)/d(output) at the last
    /// <see cref="Forward"/>'s input.</summary>
    public void Backward(ReadOnlySpan<double> theta, ReadOnlySpan<double> outputGradient, Span<double> gradient)
    {
        Span<double> upstream = stackalloc double[MaxWidth()];
        Span<double> next = stackalloc double[MaxWidth()];
        outputGradient.CopyTo(upstream);
        var offset = ParameterCount;
        for (var l = _sizes.Length - 2; l >= 0; l--)
        {
            var (fanIn, fanOut) = (_sizes[l], _sizes[l + 1]);
            offset -= (fanIn * fanOut) + fanOut;
            var x = _activations[l];
            var weights = theta.Slice(offset, fanIn * fanOut);
            next[..fanIn].Clear();
            for (var j = 0; j < fanOut; j++)
            {
                var g = upstream[j];
                gradient[offset + (fanIn * fanOut) + j] += g;
                for (var i = 0; i < fanIn; i++)
                {
                    gradient[offset + (j * fanIn) + i] += g * x[i];
                    next[i] += g * weights[(j * fanIn) + i];
                }
            }
            if (l == 0) break;
            // Through the tanh of the layer below: d tanh = 1 − tanh².
            for (var i = 0; i < fanIn; i++) upstream[i] = next[i] * (1 - (x[i] * x[i]));
        }
    }

    private int MaxWidth() => _sizes.Max();
}
