using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LayerLab.Training.Experiments.TinyLm;

/// <summary>One pre-norm block: x + Attn(LN(x)), then x + MLP(LN(x)) with a 4× GELU MLP. Causal softmax attention.</summary>
public sealed class TinyBlock : nn.Module<Tensor, Tensor>
{
    private readonly int heads;
    private readonly LayerNorm norm1, norm2;
    private readonly Linear qkv, proj, up, down;

    public TinyBlock(int width, int heads) : base("block")
    {
        this.heads = heads;
        norm1 = nn.LayerNorm(width);
        qkv = nn.Linear(width, 3 * width);
        proj = nn.Linear(width, width);
        norm2 = nn.LayerNorm(width);
        up = nn.Linear(width, 4 * width);
        down = nn.Linear(4 * width, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var (b, l, d) = (input.shape[0], input.shape[1], input.shape[2]);
        var hd = d / heads;
        var parts = qkv.forward(norm1.forward(input)).reshape(b, l, 3, heads, hd).permute(2, 0, 3, 1, 4);
        var (q, k, v) = (parts[0], parts[1], parts[2]);
        var scores = q.matmul(k.transpose(-1, -2)).mul_(1 / Math.Sqrt(hd));
        var future = ones(l, l, dtype: ScalarType.Bool, device: input.device).triu(1);
        var attn = scores.masked_fill_(future, float.NegativeInfinity).softmax(-1);
        var x = input + proj.forward(attn.matmul(v).transpose(1, 2).reshape(b, l, d));
        return (x + down.forward(nn.functional.gelu(up.forward(norm2.forward(x))))).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) { norm1.Dispose(); qkv.Dispose(); proj.Dispose(); norm2.Dispose(); up.Dispose(); down.Dispose(); }
        base.Dispose(disposing);
    }
}

/// <summary>Token embedding + learned positions, L blocks, final LayerNorm, linear head to the vocabulary (logits).</summary>
public sealed class TinyTransformer : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embed;
    private readonly Parameter positions;
    private readonly ModuleList<TinyBlock> blocks;
    private readonly LayerNorm norm;
    private readonly Linear head;

    public TinyTransformer(int vocabulary, int layers, int width, int heads, int context) : base("tiny_lm")
    {
        embed = nn.Embedding(vocabulary, width);
        positions = nn.Parameter(zeros(context, width));
        blocks = new ModuleList<TinyBlock>();
        for (var i = 0; i < layers; i++) blocks.Add(new TinyBlock(width, heads));
        norm = nn.LayerNorm(width);
        head = nn.Linear(width, vocabulary);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var h = embed.forward(input) + positions.narrow(0, 0, input.shape[1]);
        foreach (var block in blocks) h = block.forward(h);
        return head.forward(norm.forward(h)).MoveToOuterDisposeScope();
    }

    /// <summary>Deterministic start from a C# RNG: Linear U(±1/√fan_in) (PyTorch's default bound), embeddings
    /// N(0, 1), positions N(0, 0.02²), LayerNorm 1/0.</summary>
    public void Initialize(long seed)
    {
        var rng = new Random(unchecked((int)(seed * 7919) ^ 0x7111));
        using var noGrad = no_grad();
        foreach (var (name, p) in named_parameters())
        {
            var values = new float[p.numel()];
            if (name.Contains("norm", StringComparison.Ordinal)) Array.Fill(values, name.EndsWith(".weight", StringComparison.Ordinal) ? 1f : 0f);
            else if (name.StartsWith("embed", StringComparison.Ordinal)) for (var i = 0; i < values.Length; i++) values[i] = (float)Gaussian(rng);
            else if (name == "positions") for (var i = 0; i < values.Length; i++) values[i] = (float)(0.02 * Gaussian(rng));
            else
            {
                var layer = name[..name.LastIndexOf('.')];
                var fanIn = named_parameters().First(x => x.name == layer + ".weight").parameter.shape[1];
                var bound = 1 / Math.Sqrt(fanIn);
                for (var i = 0; i < values.Length; i++) values[i] = (float)(((rng.NextDouble() * 2) - 1) * bound);
            }
            p.copy_(tensor(values, p.shape));
        }
    }

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            embed.Dispose(); positions.Dispose();
            foreach (var block in blocks) block.Dispose();
            blocks.Dispose(); norm.Dispose(); head.Dispose();
        }
        base.Dispose(disposing);
    }
}
