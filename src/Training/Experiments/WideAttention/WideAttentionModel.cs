using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LayerLab.Training.Experiments.WideAttention;

/// <summary>One pre-LayerNorm encoder layer: multi-head self-attention (padding keys masked) and a GELU feed-forward
/// block, each with a residual.</summary>
public sealed class EncoderLayer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly LayerNorm norm1;
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly LayerNorm norm2;
    private readonly Linear up;
    private readonly Linear down;

    public EncoderLayer(long width, long heads, long feedForward) : base("encoder_layer")
    {
        Heads = heads;
        norm1 = nn.LayerNorm(width);
        qkv = nn.Linear(width, 3 * width);
        proj = nn.Linear(width, width);
        norm2 = nn.LayerNorm(width);
        up = nn.Linear(width, feedForward);
        down = nn.Linear(feedForward, width);
        RegisterComponents();
    }

    public long Heads { get; }

    /// <param name="input">[B, T, d].</param>
    /// <param name="padKeys">[B, 1, 1, T] bool, true where the key is padding (never attended to).</param>
    public override Tensor forward(Tensor input, Tensor padKeys)
    {
        using var scope = NewDisposeScope();
        var (b, t, d) = (input.shape[0], input.shape[1], input.shape[2]);
        var hd = d / Heads;
        // The head dimension is width / heads, as in the paper: more heads per layer means narrower heads.
        var parts = qkv.forward(norm1.forward(input)).reshape(b, t, 3, Heads, hd).permute(2, 0, 3, 1, 4);
        var (q, k, v) = (parts[0], parts[1], parts[2]);
        var scale = tensor(1 / Math.Sqrt(hd), dtype: q.dtype, device: q.device);
        var scores = (q.matmul(k.transpose(-1, -2)) * scale).masked_fill(padKeys, float.NegativeInfinity);
        var o = scores.softmax(-1).matmul(v).transpose(1, 2).reshape(b, t, d);
        var h = input + proj.forward(o);
        h = h + down.forward(nn.functional.gelu(up.forward(norm2.forward(h))));
        return h.MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) { norm1.Dispose(); qkv.Dispose(); proj.Dispose(); norm2.Dispose(); up.Dispose(); down.Dispose(); }
        base.Dispose(disposing);
    }
}

/// <summary>
/// Transformer encoder classifier for ListOps: token + learned position embeddings, L encoder layers of H heads
/// (L × H = 24), a final LayerNorm and a linear head over the ten digits, read from the mean of the expression's
/// tokens or from a CLS token. Width and feed-forward size are the same for every shape, so the wide shape has fewer
/// layers' worth of weights (as in arXiv 2210.00640).
/// </summary>
public sealed class WideAttentionModel : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embed;
    private readonly Parameter positions;
    private readonly ModuleList<EncoderLayer> layers;
    private readonly LayerNorm norm;
    private readonly Linear head;
    private readonly Readout readout;

    /// <param name="maxLength">Longest expression; one more position is kept for the CLS token.</param>
    public WideAttentionModel(AttentionShape shape, int width, Readout readout, int maxLength) : base("wide_attention")
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (width % shape.Heads != 0) throw new ArgumentException($"Width {width} is not divisible by {shape.Heads} heads.", nameof(width));
        this.readout = readout;
        embed = nn.Embedding(ListOpsData.Vocabulary, width);
        positions = nn.Parameter(randn(maxLength + 1, width) * 0.02);
        layers = new ModuleList<EncoderLayer>();
        for (var i = 0; i < shape.Layers; i++) layers.Add(new EncoderLayer(width, shape.Heads, WideAttentionSettings.FeedForwardMultiple * width));
        norm = nn.LayerNorm(width);
        head = nn.Linear(width, 10);
        RegisterComponents();
    }

    public IReadOnlyList<EncoderLayer> Layers => [.. layers];

    /// <param name="tokens">[B, T] token ids, the expression first and <see cref="ListOpsData.Pad"/> after it.</param>
    /// <returns>[B, 10] logits over the digit answers.</returns>
    public override Tensor forward(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        if (readout == Readout.Cls) tokens = cat([full(tokens.shape[0], 1, ListOpsData.Cls, dtype: tokens.dtype, device: tokens.device), tokens], 1);
        var t = tokens.shape[1];
        var pad = tokens.eq(ListOpsData.Pad);
        var padKeys = pad.unsqueeze(1).unsqueeze(1);
        var h = embed.forward(tokens) + positions.narrow(0, 0, t);
        foreach (var layer in layers) h = layer.forward(h, padKeys);
        h = norm.forward(h);
        Tensor pooled;
        if (readout == Readout.Cls) pooled = h.select(1, 0);
        else
        {
            var keep = pad.logical_not().unsqueeze(-1).to(h.dtype);
            pooled = (h * keep).sum(1) / keep.sum(1);
        }
        return head.forward(pooled).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            embed.Dispose(); positions.Dispose();
            foreach (var layer in layers) layer.Dispose();
            layers.Dispose(); norm.Dispose(); head.Dispose();
        }
        base.Dispose(disposing);
    }
}
