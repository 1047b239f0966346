using TorchSharp;

namespace LayerLab.Training.Experiments.Shared;

/// <summary>
/// Keeps the Scalars of one training step alive until the step ends, then frees them.
/// Why: TorchSharp 0.107 turns the number in <c>tensor * 0.5</c> or <c>clamp(0, 9)</c> into a native Scalar that
/// nothing references once its handle is passed to libtorch; a GC during that call can finalize (free) it while
/// libtorch still reads it — seen here as rare "toFloat: Expected false to be true" failures in long runs (the
/// upstream fix is dotnet/TorchSharp PR 1434/1496). Use <c>k[0.5]</c> instead of the bare number in hot loops.
/// </summary>
public sealed class ScalarPins : IDisposable
{
    private readonly List<Scalar> _held = [];

    public Scalar this[double value]
    {
        get
        {
            var scalar = value.ToScalar();
            _held.Add(scalar);
            return scalar;
        }
    }

    public Scalar this[long value]
    {
        get
        {
            var scalar = value.ToScalar();
            _held.Add(scalar);
            return scalar;
        }
    }

    public void Dispose()
    {
        foreach (var scalar in _held) scalar.Dispose();
        _held.Clear();
    }
}
