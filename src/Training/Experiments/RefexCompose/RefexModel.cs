using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LayerLab.Training.Experiments.RefexCompose;

public enum PositionalScheme { Learned, Sinusoidal2D, None }

/// <summary>Bidirectional multi-head self-attention with a pre-LayerNorm and a residual; no MLP anywhere.</summary>
public sealed class RefexAttention : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm norm;
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly long heads;

    public RefexAttention(long d, long heads) : base("attention")
    {
        this.heads = heads;
        norm = nn.LayerNorm(d);
        qkv = nn.Linear(d, 3 * d);
        proj = nn.Linear(d, d);
        RegisterComponents();
    }

    /// <summary>The last forward's attention weights [B, H, T, T] (kept only when asked, for inspection and tests).</summary>
    public Tensor? LastAttention { get; private set; }
    public bool KeepAttention { get; set; }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var (b, l, d) = (input.shape[0], input.shape[1], input.shape[2]);
        var hd = d / heads;
        var parts = qkv.forward(norm.forward(input)).reshape(b, l, 3, heads, hd).permute(2, 0, 3, 1, 4);
        var (q, k, v) = (parts[0], parts[1], parts[2]);
        var scale = tensor(1 / Math.Sqrt(hd), dtype: q.dtype, device: q.device);
        var attention = (q.matmul(k.transpose(-1, -2)) * scale).softmax(-1);
        if (KeepAttention) { LastAttention?.Dispose(); LastAttention = attention.detach().MoveToOuterDisposeScope(); }
        var o = attention.matmul(v).transpose(1, 2).reshape(b, l, d);
        return (input + proj.forward(o)).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) { norm.Dispose(); qkv.Dispose(); proj.Dispose(); LastAttention?.Dispose(); }
        base.Dispose(disposing);
    }
}

/// <summary>
/// Attention-only transformer for the grid task: token embedding + a positional scheme, L attention layers of H heads
/// (no MLP), a final LayerNorm, and a pointer read-out — one score per cell, softmax over the 36 cells.
/// Objects are embedded <b>factored</b> (a cell vector + a colour vector + a shape vector, as the paper describes
/// objects by attributes) or <b>jointly</b> (one vector per colour × shape pair): with the joint embedding the held-out
/// pair's vector is only ever seen on distractors, so nothing ties it to its colour and shape.
/// </summary>
public sealed class RefexModel : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embed;
    private readonly Embedding? colours;
    private readonly Embedding? shapes;
    private readonly Tensor? colourOf;
    private readonly Tensor? shapeOf;
    private readonly Tensor? wordOf;
    private readonly Parameter? learned;
    private readonly Tensor? fixedPositions;
    private readonly ModuleList<RefexAttention> layers;
    private readonly LayerNorm norm;
    private readonly Linear readout;

    public RefexModel(int layerCount, int heads, int width, PositionalScheme positional, bool factored = true) : base("refex")
    {
        embed = nn.Embedding(RefexData.Vocabulary, width);
        if (factored)
        {
            // Index 0 (no colour / no shape) is a fixed zero vector; object tokens keep only a shared "object" word.
            colours = nn.Embedding(RefexData.Colours + 1, width, padding_idx: 0);
            shapes = nn.Embedding(RefexData.Shapes + 1, width, padding_idx: 0);
            long[] colourTable = new long[RefexData.Vocabulary], shapeTable = new long[RefexData.Vocabulary], wordTable = new long[RefexData.Vocabulary];
            for (var t = 0; t < RefexData.Vocabulary; t++)
            {
                var isObject = t is >= 1 and <= RefexData.Colours * RefexData.Shapes;
                colourTable[t] = isObject ? 1 + ((t - 1) / RefexData.Shapes) : 0;
                shapeTable[t] = isObject ? 1 + ((t - 1) % RefexData.Shapes) : 0;
                wordTable[t] = isObject ? 1 : t; // every object shares token 1's vector
            }
            (colourOf, shapeOf, wordOf) = (tensor(colourTable), tensor(shapeTable), tensor(wordTable));
        }
        if (positional == PositionalScheme.Learned) learned = nn.Parameter(randn(RefexData.SequenceLength, width) * 0.02);
        if (positional == PositionalScheme.Sinusoidal2D) fixedPositions = Sinusoidal2D(width);
        layers = new ModuleList<RefexAttention>();
        for (var i = 0; i < layerCount; i++) layers.Add(new RefexAttention(width, heads));
        norm = nn.LayerNorm(width);
        readout = nn.Linear(width, 1);
        RegisterComponents();
        if (fixedPositions is not null) register_buffer("sinusoidal", fixedPositions);
        if (colourOf is not null) { register_buffer("colour_of", colourOf); register_buffer("shape_of", shapeOf!); register_buffer("word_of", wordOf!); }
    }

    public IReadOnlyList<RefexAttention> Layers => [.. layers];

    /// <param name="tokens">[B, 38] token ids.</param>
    /// <returns>[B, 36] cell scores (logits of the pointer).</returns>
    public override Tensor forward(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        var h = colours is null
            ? embed.forward(tokens)
            : embed.forward(wordOf!.index_select(0, tokens.flatten()).view_as(tokens))
              + colours.forward(colourOf!.index_select(0, tokens.flatten()).view_as(tokens))
              + shapes!.forward(shapeOf!.index_select(0, tokens.flatten()).view_as(tokens));
        if (learned is not null) h = h + learned;
        if (fixedPositions is not null) h = h + fixedPositions.to(h.device);
        foreach (var layer in layers) h = layer.forward(h);
        var cells = norm.forward(h).narrow(1, 2, RefexData.Cells);
        return readout.forward(cells).squeeze(-1).MoveToOuterDisposeScope();
    }

    /// <summary>Row and column each in half the width, sin/cos at geometric frequencies (Vaswani et al. per axis); the
    /// two expression tokens get no position.</summary>
    public static Tensor Sinusoidal2D(int width)
    {
        var table = new float[RefexData.SequenceLength * width];
        var half = width / 2;
        for (var cell = 0; cell < RefexData.Cells; cell++)
        {
            var (row, column) = (cell / RefexData.Side, cell % RefexData.Side);
            for (var i = 0; i < half; i++)
            {
                var frequency = Math.Pow(100, -2.0 * (i / 2) / half);
                var value = i % 2 == 0 ? Math.Sin(row * frequency) : Math.Cos(row * frequency);
                var valueColumn = i % 2 == 0 ? Math.Sin(column * frequency) : Math.Cos(column * frequency);
                table[((2 + cell) * width) + i] = (float)value;
                if (half + i < width) table[((2 + cell) * width) + half + i] = (float)valueColumn;
            }
        }
        return tensor(table, [RefexData.SequenceLength, width]);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            embed.Dispose(); colours?.Dispose(); shapes?.Dispose(); colourOf?.Dispose(); shapeOf?.Dispose(); wordOf?.Dispose();
            learned?.Dispose(); fixedPositions?.Dispose();
            foreach (var layer in layers) layer.Dispose();
            layers.Dispose(); norm.Dispose(); readout.Dispose();
        }
        base.Dispose(disposing);
    }
}
