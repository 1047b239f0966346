namespace LayerLab.Training.Experiments.LinearPolicy;

/// <summary>
/// Running mean and variance of the observations seen in training (ARS "V2"): policies read (o − μ)/σ, so one step size
/// fits observations of very different scales (cart position vs angular velocity). Statistics are frozen while a
/// generation is evaluated and updated after it, merged in a fixed order so a run is deterministic.
/// </summary>
public sealed class ObservationNormalizer(int size)
{
    private readonly double[] _mean = new double[size];
    private readonly double[] _m2 = new double[size];
    private long _count;

    public long Count => _count;

    public void Normalize(ReadOnlySpan<double> observation, Span<double> normalized)
    {
        for (var i = 0; i < _mean.Length; i++)
        {
            var std = _count > 1 ? Math.Sqrt(_m2[i] / (_count - 1)) : 1;
            normalized[i] = (observation[i] - _mean[i]) / (std < 1e-8 ? 1 : std);
        }
    }

    /// <summary>Merges another set of observations' count, mean and sum of squared deviations (Chan et al.).</summary>
    public void Merge(Accumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Count == 0) return;
        var total = _count + other.Count;
        for (var i = 0; i < _mean.Length; i++)
        {
            var delta = other.Mean[i] - _mean[i];
            _mean[i] += delta * other.Count / total;
            _m2[i] += other.M2[i] + (delta * delta * _count * other.Count / total);
        }
        _count = total;
    }

    /// <summary>Observations gathered by one worker (Welford's update), merged afterwards.</summary>
    public sealed class Accumulator(int size)
    {
        public double[] Mean { get; } = new double[size];
        public double[] M2 { get; } = new double[size];
        public long Count { get; private set; }

        public void Add(ReadOnlySpan<double> observation)
        {
            Count++;
            for (var i = 0; i < Mean.Length; i++)
            {
                var delta = observation[i] - Mean[i];
                Mean[i] += delta / Count;
                M2[i] += delta * (observation[i] - Mean[i]);
            }
        }
    }
}
