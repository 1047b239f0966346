using LayerLab.Training.Contracts;
using TorchSharp;
using static TorchSharp.torch;

namespace LayerLab.Training.Experiments.IclLinReg;

/// <summary>
/// An attention-only transformer over tokens eᵢ = (xᵢ, yᵢ) ∈ R^{d+1} with all weights in one flat parameter vector
/// (one Adam update per step). Per layer and head h: Q_h, K_h, V_h, P_h ∈ R^{(d+1)×(d+1)}; linear attention as in
/// von Oswald et al.: e_j ← e_j + Σ_h P_h Σᵢ V_h eᵢ · (K_h eᵢ)ᵀ(Q_h e_j) / N, keys and values from the N context
/// tokens only (the query is not a key/value). The prediction is read, negated as in the paper, from the
/// y-coordinate of the query token: ŷ = −e_q[d].
/// </summary>
public sealed class IclModel
{
    private readonly List<(string Name, long[] Shape, double InitStd, double InitMean)> _layout = [];

    public IclModel(IclLinRegSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
        var (h, e) = ((long)settings.Heads, (long)settings.Dim + 1);
        var s = settings.InitScale;
        for (var l = 0; l < settings.Layers; l++)
        {
            if (settings.LayerNorm) { Add($"ln{l}a.g", [e], 0, 1); Add($"ln{l}a.b", [e], 0, 0); }
            foreach (var m in new[] { "q", "k", "v", "p" }) Add($"{m}{l}", [h, e, e], s, 0);
            if (!settings.Mlp) continue;
            if (settings.LayerNorm) { Add($"ln{l}m.g", [e], 0, 1); Add($"ln{l}m.b", [e], 0, 0); }
            Add($"w1_{l}", [e, 4 * e], s, 0);
            Add($"b1_{l}", [4 * e], 0, 0);
            Add($"w2_{l}", [4 * e, e], s, 0);
            Add($"b2_{l}", [e], 0, 0);
        }
    }

    private void Add(string name, long[] shape, double std, double mean) => _layout.Add((name, shape, std, mean));

    public IclLinRegSettings Settings { get; }

    public long ParameterCount => _layout.Sum(p => p.Shape.Aggregate(1L, (a, b) => a * b));

    /// <summary>Initial flat parameters: N(mean, std²) per block from the seed's init stream (identical on every device).</summary>
    public float[] InitialParameters(long seed)
    {
        var random = new IclRandom(seed, 0);
        var theta = new float[ParameterCount];
        var o = 0;
        foreach (var (_, shape, std, mean) in _layout)
        {
            var size = shape.Aggregate(1L, (a, b) => a * b);
            for (var i = 0; i < size; i++) theta[o++] = (float)(mean + (std > 0 ? std * random.NextGaussian() : 0));
        }
        return theta;
    }

    /// <summary>Predictions ŷ [B] for tokens [B, N+1, d+1] (the last token is the query).</summary>
    public Tensor Forward(Tensor theta, Tensor tokens)
    {
        ArgumentNullException.ThrowIfNull(theta);
        ArgumentNullException.ThrowIfNull(tokens);
        var p = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var sizes = _layout.Select(l => l.Shape.Aggregate(1L, (a, b) => a * b)).ToArray();
        var parts = theta.split(sizes, 0);
        for (var i = 0; i < _layout.Count; i++) p[_layout[i].Name] = parts[i].view(_layout[i].Shape);

        var n = Settings.Context;
        var e = (long)Settings.Dim + 1;
        // Scalars are native objects handed to libtorch by handle: hold them in locals for the whole call (an implicit
        // conversion inside an operator can be finalized while libtorch still reads it — seen here as a crash).
        using var one = 1.0.ToScalar();
        using var invN = (1.0 / n).ToScalar();
        using var invSqrtE = (1 / Math.Sqrt(e)).ToScalar();
        var x = tokens;                                                   // [B, T, E]
        for (var l = 0; l < Settings.Layers; l++)
        {
            var a = Settings.LayerNorm ? nn.functional.layer_norm(x, [e], p[$"ln{l}a.g"], p[$"ln{l}a.b"]) : x;
            var a4 = a.unsqueeze(1);                                      // [B, 1, T, E]
            var ctx = a4.narrow(2, 0, n);                                 // [B, 1, N, E]
            var q = a4.matmul(p[$"q{l}"].transpose(-1, -2));              // [B, H, T, E]
            var k = ctx.matmul(p[$"k{l}"].transpose(-1, -2));             // [B, H, N, E]
            var v = ctx.matmul(p[$"v{l}"].transpose(-1, -2));             // [B, H, N, E]
            Tensor heads;
            if (Settings.Attention == IclAttention.Linear)
                heads = q.matmul(k.transpose(-1, -2).matmul(v)).mul(invN);      // Σᵢ (qᵀkᵢ) vᵢ / N = q·(KᵀV)/N
            else
                heads = q.matmul(k.transpose(-1, -2)).mul(invSqrtE).softmax(-1).matmul(v);
            x = x.add(heads.matmul(p[$"p{l}"].transpose(-1, -2)).sum(1), one);    // Σ_h P_h (…), [B, T, E]
            if (!Settings.Mlp) continue;
            var m = Settings.LayerNorm ? nn.functional.layer_norm(x, [e], p[$"ln{l}m.g"], p[$"ln{l}m.b"]) : x;
            x = x.add(m.matmul(p[$"w1_{l}"]).add(p[$"b1_{l}"], one).relu().matmul(p[$"w2_{l}"]).add(p[$"b2_{l}"], one), one);
        }
        return x.select(1, n).select(1, Settings.Dim).neg();
    }

    /// <summary>
    /// von Oswald et al.'s view of each layer, per head: W_KQ = K_hᵀQ_h (the bilinear form of attention scores) and
    /// W_PV = P_h V_h (what a head writes back), as [heads, d+1, d+1] tensors "kq.l{layer}" and "pv.l{layer}". One step
    /// of gradient descent shows as W_KQ ≈ [[c·I, 0], [0, 0]] and W_PV ≈ [[0, 0], [0, −η]] (the y corner only).
    /// </summary>
    public IReadOnlyList<TensorSample> Matrices(float[] theta, long step)
    {
        ArgumentNullException.ThrowIfNull(theta);
        var offsets = new Dictionary<string, int>(StringComparer.Ordinal);
        var o = 0;
        foreach (var (name, shape, _, _) in _layout)
        {
            offsets[name] = o;
            o += (int)shape.Aggregate(1L, (a, b) => a * b);
        }
        var (h, e) = (Settings.Heads, Settings.Dim + 1);
        var result = new List<TensorSample>();
        for (var l = 0; l < Settings.Layers; l++)
        {
            var kq = new float[h * e * e];
            var pv = new float[h * e * e];
            for (var head = 0; head < h; head++)
            {
                var block = head * e * e;
                float At(string m, int r, int c) => theta[offsets[$"{m}{l}"] + block + (r * e) + c];
                for (var r = 0; r < e; r++)
                    for (var c = 0; c < e; c++)
                    {
                        float kqSum = 0, pvSum = 0;
                        for (var j = 0; j < e; j++)
                        {
                            kqSum += At("k", j, r) * At("q", j, c);   // (Kᵀ Q)[r, c]
                            pvSum += At("p", r, j) * At("v", j, c);   // (P V)[r, c]
                        }
                        kq[block + (r * e) + c] = kqSum;
                        pv[block + (r * e) + c] = pvSum;
                    }
            }
            result.Add(new TensorSample($"kq.l{l}", step, [h, e, e], kq));
            result.Add(new TensorSample($"pv.l{l}", step, [h, e, e], pv));
        }
        return result;
    }
}
