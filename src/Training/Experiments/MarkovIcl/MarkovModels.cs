using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LayerLab.Training.Experiments.MarkovIcl;

/// <summary>Residual MLP block (optional pre-LayerNorm), 4× width, GELU.</summary>
public sealed class MarkovMlp : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm? norm;
    private readonly Linear up;
    private readonly Linear down;

    public MarkovMlp(long d, bool layerNorm) : base("mlp")
    {
        norm = layerNorm ? nn.LayerNorm(d) : null;
        up = nn.Linear(d, 4 * d);
        down = nn.Linear(4 * d, d);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var h = norm is null ? input : norm.forward(input);
        return (input + down.forward(nn.functional.gelu(up.forward(h)))).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) { norm?.Dispose(); up.Dispose(); down.Dispose(); }
        base.Dispose(disposing);
    }
}

/// <summary>
/// One-layer Mamba-style language model on bits: embedding → in_proj to (x, z) → optional causal depthwise conv
/// (window k+1) → SiLU → selective scan with input-dependent Δ_t (per channel), B_t, C_t (state N) and scalar decay
/// a_t = exp(−softplus(Δ_t)·A) per channel, plus D·x skip → optional gate SiLU(z) → out_proj, residual → optional
/// MLP → optional LayerNorm → linear head to 2 logits.
/// </summary>
public sealed class MambaLm : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embed;
    private readonly Linear inProj;
    private readonly Conv1d? conv;
    private readonly Linear dtProj;
    private readonly Linear bProj;
    private readonly Linear cProj;
    private readonly Parameter aLog;
    private readonly Parameter dSkip;
    private readonly Linear outProj;
    private readonly MarkovMlp? mlp;
    private readonly LayerNorm? norm;
    private readonly Linear head;
    private readonly long window;
    private readonly bool gate;
    private readonly long d;

    /// <summary>The causal convolution's kernel as "conv.kernel" [channels, window] (column window−1 weighs the current
    /// token, column 0 the oldest), or none without the convolution: with order k the model must learn to read the last
    /// k tokens, which shows here as weight on the last k+1 columns.</summary>
    public IReadOnlyList<LayerLab.Training.Contracts.TensorSample> Tensors(long step)
    {
        if (conv is null) return [];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var cpu = conv.weight!.detach().cpu().contiguous();
        return [new("conv.kernel", step, [(int)d, (int)window], cpu.data<float>().ToArray())];
    }

    public MambaLm(int dModel, int state, int order, bool useConv, bool useGate, bool layerNorm, bool useMlp) : base("mamba")
    {
        d = dModel;
        window = order + 1;
        gate = useGate;
        embed = nn.Embedding(2, d);
        inProj = nn.Linear(d, 2 * d);
        conv = useConv ? nn.Conv1d(d, d, window, padding: window - 1, groups: d) : null;
        dtProj = nn.Linear(d, d);
        bProj = nn.Linear(d, state, hasBias: false);
        cProj = nn.Linear(d, state, hasBias: false);
        aLog = nn.Parameter(zeros(d));
        dSkip = nn.Parameter(ones(d));
        outProj = nn.Linear(d, d);
        mlp = useMlp ? new MarkovMlp(d, layerNorm) : null;
        norm = layerNorm ? nn.LayerNorm(d) : null;
        head = nn.Linear(d, 2);
        RegisterComponents();
    }

    /// <param name="input">[B, L] int64 bits.</param>
    /// <returns>[B, L, 2] logits; position t predicts bit t+1 from bits 0…t.</returns>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var length = input.shape[1];
        var e = embed.forward(input);                                        // [B, L, d]
        var xz = inProj.forward(e);
        var x = xz.narrow(-1, 0, d);
        var z = xz.narrow(-1, d, d);
        if (conv is not null)
            x = conv.forward(x.transpose(1, 2)).narrow(-1, 0, length).transpose(1, 2);  // causal: left context only
        x = nn.functional.silu(x);
        var delta = nn.functional.softplus(dtProj.forward(x));              // [B, L, d]
        var logA = -(delta * aLog.exp());                                   // ≤ 0
        var y = SelectiveScan.Parallel(delta * x, logA, bProj.forward(x), cProj.forward(x)) + (x * dSkip);
        if (gate) y = y * nn.functional.silu(z);
        var h = e + outProj.forward(y);
        if (mlp is not null) h = mlp.forward(h);
        if (norm is not null) h = norm.forward(h);
        return head.forward(h).MoveToOuterDisposeScope();
    }

    /// <summary>Deterministic start for Δ: softplus(bias) spread log-uniformly over [0.001, 0.1] as in Mamba.</summary>
    internal void InitSpecial(Random rng)
    {
        using var noGrad = no_grad();
        var bias = new float[d];
        for (var i = 0; i < d; i++)
        {
            var dt = Math.Exp(Math.Log(0.001) + (rng.NextDouble() * (Math.Log(0.1) - Math.Log(0.001))));
            bias[i] = (float)Math.Log(Math.Exp(dt) - 1);                         // inverse softplus
        }
        dtProj.bias!.copy_(tensor(bias));
        aLog.zero_();
        dSkip.copy_(ones(d));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            embed.Dispose(); inProj.Dispose(); conv?.Dispose(); dtProj.Dispose(); bProj.Dispose(); cProj.Dispose();
            aLog.Dispose(); dSkip.Dispose(); outProj.Dispose(); mlp?.Dispose(); norm?.Dispose(); head.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>Causal multi-head self-attention block with residual (optional pre-LayerNorm).</summary>
public sealed class CausalAttention : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm? norm;
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly long heads;

    public CausalAttention(long d, long heads, bool layerNorm) : base("attention")
    {
        this.heads = heads;
        norm = layerNorm ? nn.LayerNorm(d) : null;
        qkv = nn.Linear(d, 3 * d);
        proj = nn.Linear(d, d);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var (b, l, d) = (input.shape[0], input.shape[1], input.shape[2]);
        var hd = d / heads;
        var h = norm is null ? input : norm.forward(input);
        var parts = qkv.forward(h).reshape(b, l, 3, heads, hd).permute(2, 0, 3, 1, 4);   // [3, B, H, L, hd]
        var (q, k, v) = (parts[0], parts[1], parts[2]);
        var scale = tensor(1 / Math.Sqrt(hd), dtype: q.dtype, device: q.device);
        var scores = q.matmul(k.transpose(-1, -2)) * scale;
        var future = ones(l, l, dtype: ScalarType.Bool, device: input.device).triu(1);
        var attn = where(future, SelectiveScan.NegativeInfinity(scores), scores).softmax(-1);
        var o = attn.matmul(v).transpose(1, 2).reshape(b, l, d);
        return (input + proj.forward(o)).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) { norm?.Dispose(); qkv.Dispose(); proj.Dispose(); }
        base.Dispose(disposing);
    }
}

/// <summary>1- or 2-layer causal transformer on bits with learned positions; optional MLP per layer and LayerNorm.</summary>
public sealed class TransformerLm : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embed;
    private readonly Parameter positions;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> blocks;
    private readonly LayerNorm? norm;
    private readonly Linear head;

    public TransformerLm(int layers, int dModel, int heads, int maxLength, bool layerNorm, bool useMlp) : base("transformer")
    {
        embed = nn.Embedding(2, dModel);
        positions = nn.Parameter(zeros(maxLength, dModel));
        blocks = new ModuleList<nn.Module<Tensor, Tensor>>();
        for (var i = 0; i < layers; i++)
        {
            blocks.Add(new CausalAttention(dModel, heads, layerNorm));
            if (useMlp) blocks.Add(new MarkovMlp(dModel, layerNorm));
        }
        norm = layerNorm ? nn.LayerNorm(dModel) : null;
        head = nn.Linear(dModel, 2);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var h = embed.forward(input) + positions.narrow(0, 0, input.shape[1]);
        foreach (var block in blocks) h = block.forward(h);
        if (norm is not null) h = norm.forward(h);
        return head.forward(h).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            embed.Dispose(); positions.Dispose();
            foreach (var block in blocks) block.Dispose();
            blocks.Dispose(); norm?.Dispose(); head.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>Builds a model and gives it a deterministic start from a C# RNG (not libtorch's process-wide generator).</summary>
public static class MarkovModels
{
    public static nn.Module<Tensor, Tensor> Create(MarkovIclSettings settings, long seed)
    {
        ArgumentNullException.ThrowIfNull(settings);
        nn.Module<Tensor, Tensor> model = settings.Model switch
        {
            MarkovModelKind.Mamba => new MambaLm(settings.DModel, settings.State, settings.Order,
                settings.Conv, settings.Gate, settings.LayerNorm, settings.Mlp),
            MarkovModelKind.Transformer1 => new TransformerLm(1, settings.DModel, settings.Heads, settings.Length, settings.LayerNorm, settings.Mlp),
            _ => new TransformerLm(2, settings.DModel, settings.Heads, settings.Length, settings.LayerNorm, settings.Mlp),
        };
        var rng = new Random(unchecked((int)(seed * 7919) ^ 0x5EED));
        Initialize(model, rng);
        if (model is MambaLm mamba) mamba.InitSpecial(rng);
        return model;
    }

    /// <summary>
    /// PyTorch-like defaults, drawn in C#: weights (2-D and conv) U(±1/√fan_in), biases likewise, embeddings and
    /// positions N(0, 1) and N(0, 0.02²), LayerNorm 1/0. Parameter order is the module's, so a seed fixes the start.
    /// </summary>
    private static void Initialize(nn.Module model, Random rng)
    {
        using var noGrad = no_grad();
        var fanIns = new Dictionary<string, long>(StringComparer.Ordinal);
        var named = model.named_parameters().ToList();
        foreach (var (name, p) in named)
            if (name.EndsWith(".weight", StringComparison.Ordinal) && p.dim() >= 2)
                fanIns[name[..^".weight".Length]] = p.shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        foreach (var (name, p) in named)
        {
            var count = (int)p.numel();
            var values = new float[count];
            var prefix = name.Contains('.', StringComparison.Ordinal) ? name[..name.LastIndexOf('.')] : name;
            var isNorm = prefix.EndsWith("norm", StringComparison.Ordinal);
            if (isNorm)
                Array.Fill(values, name.EndsWith(".weight", StringComparison.Ordinal) ? 1f : 0f);
            else if (prefix == "embed")
                for (var i = 0; i < count; i++) values[i] = (float)Gaussian(rng);
            else if (name == "positions")
                for (var i = 0; i < count; i++) values[i] = (float)(0.02 * Gaussian(rng));
            else if (fanIns.TryGetValue(prefix, out var fanIn))
            {
                var bound = 1 / Math.Sqrt(fanIn);
                for (var i = 0; i < count; i++) values[i] = (float)(((rng.NextDouble() * 2) - 1) * bound);
            }
            else continue;   // aLog, dSkip: set by the model
            p.copy_(tensor(values, p.shape));
        }
    }

    private static double Gaussian(Random rng)
    {
        var u1 = 1 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
