namespace LayerLab.Training.Experiments.IclLinReg;

/// <summary>The distribution of x (and of w) a prompt is drawn from.</summary>
public enum IclDataKind
{
    /// <summary>x ~ U(−½, ½)^d, w ~ N(0, I) (von Oswald et al. 2212.07677).</summary>
    VonOswald,
    /// <summary>x, w ~ N(0, I) (Mahankali et al. 2307.03576).</summary>
    Gaussian,
    /// <summary>x ~ N(0, Σ) with a fixed diagonal Σ, log-spaced eigenvalues; w ~ N(0, I) (Ahn et al. 2306.00297).</summary>
    Anisotropic,
}

/// <summary>A small, exactly reproducible generator (xoshiro256** seeded by SplitMix64; Box–Muller normals).</summary>
public sealed class IclRandom
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spare;
    private bool _hasSpare;

    /// <param name="seed">The run's seed.</param>
    /// <param name="stream">Independent streams of one seed (init, test set, reference sample, training batches).</param>
    public IclRandom(long seed, ulong stream)
    {
        var x = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL) ^ (stream * 0xD1B54A32D192ED03UL) ^ 0x6A09E667F3BCC909UL;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3; _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Writes the generator's whole state (for a checkpoint): a restored copy continues the same stream.</summary>
    public void WriteState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(_s0); writer.Write(_s1); writer.Write(_s2); writer.Write(_s3);
        writer.Write(_spare); writer.Write(_hasSpare);
    }

    /// <summary>Restores the state <see cref="WriteState"/> wrote.</summary>
    public void ReadState(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        _s0 = reader.ReadUInt64(); _s1 = reader.ReadUInt64(); _s2 = reader.ReadUInt64(); _s3 = reader.ReadUInt64();
        _spare = reader.ReadDouble(); _hasSpare = reader.ReadBoolean();
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal (Box–Muller, both values used).</summary>
    public double NextGaussian()
    {
        if (_hasSpare) { _hasSpare = false; return _spare; }
        double u1;
        do u1 = NextDouble(); while (u1 <= 0);
        var u2 = NextDouble();
        var r = Math.Sqrt(-2 * Math.Log(u1));
        _spare = r * Math.Sin(2 * Math.PI * u2);
        _hasSpare = true;
        return r * Math.Cos(2 * Math.PI * u2);
    }
}

/// <summary>The task family of one run: how x, w and the noise are drawn.</summary>
public sealed record IclTask(IclDataKind Kind, int Dim, int Context, double NoiseStd)
{
    /// <summary>
    /// Per-coordinate variances of x: 1/12 for U(−½, ½), 1 for N(0, I), and for the anisotropic variant the diagonal
    /// of Σ, log-spaced from 10^−½ to 10^½ (condition number 10, geometric mean 1).
    /// </summary>
    public double[] Variances()
    {
        var v = new double[Dim];
        for (var k = 0; k < Dim; k++)
            v[k] = Kind switch
            {
                IclDataKind.VonOswald => 1.0 / 12,
                IclDataKind.Gaussian => 1,
                _ => Dim == 1 ? 1 : Math.Pow(10, -0.5 + ((double)k / (Dim - 1))),
            };
        return v;
    }

    /// <summary>Draws <paramref name="count"/> prompts.</summary>
    public IclPrompts Sample(int count, IclRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var (d, n) = (Dim, Context);
        var p = new IclPrompts(count, n, d);
        var scale = Variances().Select(Math.Sqrt).ToArray();
        for (var b = 0; b < count; b++)
        {
            var w = p.W.AsSpan(b * d, d);
            for (var k = 0; k < d; k++) w[k] = random.NextGaussian();
            for (var i = 0; i <= n; i++)
            {
                var x = i < n ? p.X.AsSpan(((b * n) + i) * d, d) : p.Xq.AsSpan(b * d, d);
                for (var k = 0; k < d; k++)
                    x[k] = Kind == IclDataKind.VonOswald ? random.NextDouble() - 0.5 : random.NextGaussian() * scale[k];
                var y = Dot(w, x) + (NoiseStd > 0 ? NoiseStd * random.NextGaussian() : 0);
                if (i < n) p.Y[(b * n) + i] = y; else p.Yq[b] = y;
            }
        }
        return p;
    }

    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var s = 0.0;
        for (var k = 0; k < a.Length; k++) s += a[k] * b[k];
        return s;
    }
}

/// <summary>
/// A batch of prompts in double precision, row-major: X [count, N, d], Y [count, N], the query Xq [count, d] with
/// its target Yq [count], and the task vectors W [count, d].
/// </summary>
public sealed class IclPrompts(int count, int context, int dim)
{
    public int Count { get; } = count;
    public int Context { get; } = context;
    public int Dim { get; } = dim;
    public double[] X { get; } = new double[count * context * dim];
    public double[] Y { get; } = new double[count * context];
    public double[] Xq { get; } = new double[count * dim];
    public double[] Yq { get; } = new double[count];
    public double[] W { get; } = new double[count * dim];

    public ReadOnlySpan<double> Xi(int b, int i) => X.AsSpan(((b * Context) + i) * Dim, Dim);
    public ReadOnlySpan<double> Query(int b) => Xq.AsSpan(b * Dim, Dim);

    /// <summary>
    /// The model's input tokens e_i = (x_i, y_i) for i &lt; N and the query (x_q, 0), row-major float
    /// [count, N + 1, d + 1].
    /// </summary>
    public float[] Tokens()
    {
        var (t, e) = (Context + 1, Dim + 1);
        var tokens = new float[Count * t * e];
        for (var b = 0; b < Count; b++)
            for (var i = 0; i < t; i++)
            {
                var x = i < Context ? Xi(b, i) : Query(b);
                var o = ((b * t) + i) * e;
                for (var k = 0; k < Dim; k++) tokens[o + k] = (float)x[k];
                tokens[o + Dim] = i < Context ? (float)Y[(b * Context) + i] : 0f;
            }
        return tokens;
    }
}
