using TorchSharp;
using static TorchSharp.torch;

namespace LayerLab.Training.Experiments.MarkovIcl;

/// <summary>
/// The selective scan with a scalar decay per channel, h_t = a_t ⊙ h_{t−1} + u_t B_tᵀ, y_t = h_t C_t, where
/// h_t ∈ R^{D×N}, a_t = exp(logA_t) ∈ (0,1]^D, u_t ∈ R^D and B_t, C_t ∈ R^N are shared by the channels.
/// <see cref="Parallel"/> is the exact chunked form (Mamba-2's SSD): inside a chunk of Q steps the outputs are a
/// masked product with weights exp(cumsum logA_t − cumsum logA_s) for s ≤ t (masked to −∞ above the diagonal before
/// exp, so nothing positive is exponentiated), and chunk-boundary states are carried across chunks by the same rule one level up.
/// <see cref="Sequential"/> is the plain loop it must equal.
/// </summary>
public static class SelectiveScan
{
    /// <param name="u">[B, L, D] input (Δ_t ⊙ x_t).</param>
    /// <param name="logA">[B, L, D] log decay (≤ 0).</param>
    /// <param name="b">[B, L, N].</param>
    /// <param name="c">[B, L, N].</param>
    /// <returns>[B, L, D].</returns>
    public static Tensor Parallel(Tensor u, Tensor logA, Tensor b, Tensor c, int chunk = 8)
    {
        ArgumentNullException.ThrowIfNull(u);
        ArgumentNullException.ThrowIfNull(logA);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(c);
        using var scope = NewDisposeScope();
        var (batch, length, d) = (u.shape[0], u.shape[1], u.shape[2]);
        var n = b.shape[2];
        var q = (long)chunk;
        var padded = (length + q - 1) / q * q;
        if (padded != length)
        {
            // Padding at the end cannot influence earlier outputs (everything is causal); it is cut off below.
            var extra = padded - length;
            u = nn.functional.pad(u, [0, 0, 0, extra]);
            logA = nn.functional.pad(logA, [0, 0, 0, extra]);
            b = nn.functional.pad(b, [0, 0, 0, extra]);
            c = nn.functional.pad(c, [0, 0, 0, extra]);
        }
        var nc = padded / q;
        var uc = u.reshape(batch, nc, q, d);                                // [B, nc, Q, D]
        var bc = b.reshape(batch, nc, q, n);                                // [B, nc, Q, N]
        var cc = c.reshape(batch, nc, q, n);                                // [B, nc, Q, N]
        var aCum = logA.reshape(batch, nc, q, d).cumsum(2);                 // [B, nc, Q, D], restarts every chunk

        // 1. Within each chunk: y_t = Σ_{s≤t} (C_t·B_s) exp(aCum_t − aCum_s) u_s; masked to −∞ for s > t before exp.
        var future = ones(q, q, dtype: ScalarType.Bool, device: u.device).triu(1).unsqueeze(-1);   // [Q(t), Q(s), 1]
        var decay = where(future, NegativeInfinity(u), aCum.unsqueeze(3) - aCum.unsqueeze(2)).exp();   // [B, nc, Q, Q, D]
        var gram = cc.matmul(bc.transpose(-1, -2)).unsqueeze(-1);           // [B, nc, Q, Q, 1]
        var yDiag = (gram * decay * uc.unsqueeze(2)).sum(3);                // [B, nc, Q, D]

        // 2. State at the end of each chunk from its own inputs: Σ_s exp(aCum_last − aCum_s) u_s B_sᵀ.
        var toEnd = (aCum.narrow(2, q - 1, 1) - aCum).exp();                // [B, nc, Q, D]
        var states = (toEnd * uc).transpose(2, 3).matmul(bc);               // [B, nc, D, N]

        // 3. Carry states across chunks: state entering chunk j = Σ_{i<j} exp(Σ_{i<m<j} chunkLogA_m) states_i.
        var chunkLog = nn.functional.pad(aCum.select(2, q - 1).transpose(1, 2), [1, 0]);   // [B, D, nc+1]
        var chunkDecay = SegSum(chunkLog).exp();                            // [B, D, nc+1, nc+1]
        var withZero = cat([zeros(batch, d, 1, n, dtype: u.dtype, device: u.device), states.transpose(1, 2)], 2);  // [B, D, nc+1, N]
        var entering = chunkDecay.matmul(withZero).narrow(2, 0, nc).permute(0, 2, 3, 1);  // [B, nc, N, D]

        // 4. Contribution of the entering state: exp(aCum_t) C_t·h_in.
        var yOff = cc.matmul(entering) * aCum.exp();                        // [B, nc, Q, D]

        var y = (yDiag + yOff).reshape(batch, padded, d);
        return y.narrow(1, 0, length).MoveToOuterDisposeScope();
    }

    /// <summary>x [..., T] → [..., T, T] with out[i, j] = Σ_{j&lt;r≤i} x_r for j ≤ i and −∞ above the diagonal.</summary>
    public static Tensor SegSum(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        var t = x.shape[^1];
        var shape = x.shape.Append(t).ToArray();
        var rep = x.unsqueeze(-1).expand(shape).contiguous();               // rep[..., i, j] = x_i
        var strict = ones(t, t, dtype: ScalarType.Bool, device: x.device).tril(-1);
        var sums = where(strict, rep, zeros_like(rep)).cumsum(-2);          // Σ_{j<r≤i} x_r
        var lower = ones(t, t, dtype: ScalarType.Bool, device: x.device).tril(0);
        return where(lower, sums, NegativeInfinity(x)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A 0-d −∞ tensor of x's type. Masks use <c>where</c> with tensors rather than <c>masked_fill</c> with a
    /// Scalar: with implicit double→Scalar conversions in the training loop we saw an intermittent libtorch
    /// "toFloat: Expected false to be true" (a Scalar read after it was released) after a few hundred steps.
    /// </summary>
    public static Tensor NegativeInfinity(Tensor like)
    {
        ArgumentNullException.ThrowIfNull(like);
        return tensor(double.NegativeInfinity, dtype: like.dtype, device: like.device);
    }

    /// <summary>The reference: the recurrence stepped one position at a time.</summary>
    public static Tensor Sequential(Tensor u, Tensor logA, Tensor b, Tensor c)
    {
        ArgumentNullException.ThrowIfNull(u);
        ArgumentNullException.ThrowIfNull(logA);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(c);
        using var scope = NewDisposeScope();
        var (batch, length, d) = (u.shape[0], u.shape[1], u.shape[2]);
        var h = zeros(batch, d, b.shape[2], dtype: u.dtype, device: u.device);
        var outputs = new List<Tensor>();
        for (var t = 0L; t < length; t++)
        {
            var a = logA.select(1, t).exp().unsqueeze(-1);                                   // [B, D, 1]
            h = (a * h) + (u.select(1, t).unsqueeze(-1) * b.select(1, t).unsqueeze(1));      // [B, D, N]
            outputs.Add((h * c.select(1, t).unsqueeze(1)).sum(-1));                          // [B, D]
        }
        return stack(outputs, 1).MoveToOuterDisposeScope();
    }
}
