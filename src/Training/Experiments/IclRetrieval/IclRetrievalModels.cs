using LayerLab.Training.Experiments.MarkovIcl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LayerLab.Training.Experiments.IclRetrieval;

/// <summary>
/// Embedding → one TorchSharp LSTM or GRU layer → (optionally) one causal attention block (pre-LayerNorm, residual;
/// the "RNN with one attention layer added" of arXiv 2402.18510) → LayerNorm → linear head over the vocabulary.
/// Recurrent: position t sees tokens 0…t only; the attention block is masked causally, so the whole model is causal.
/// </summary>
public sealed class RecurrentLm : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embed;
    private readonly LSTM? lstm;
    private readonly GRU? gru;
    private readonly CausalAttention? attention;
    private readonly LayerNorm norm;
    private readonly Linear head;

    public RecurrentLm(bool useGru, bool addAttention, int width, int vocabulary = IsTreeTokens.Vocabulary) : base("recurrent")
    {
        embed = nn.Embedding(vocabulary, width);
        if (useGru) gru = nn.GRU(width, width, batchFirst: true);
        else lstm = nn.LSTM(width, width, batchFirst: true);
        attention = addAttention ? new CausalAttention(width, 1, layerNorm: true) : null;
        norm = nn.LayerNorm(width);
        head = nn.Linear(width, vocabulary);
        RegisterComponents();
    }

    /// <param name="input">[B, L] int64 tokens.</param>
    /// <returns>[B, L, V] logits; position t predicts token t + 1.</returns>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var e = embed.forward(input);
        var h = lstm is not null ? lstm.forward(e).Item1 : gru!.forward(e).Item1;
        if (attention is not null) h = attention.forward(h);
        return head.forward(norm.forward(h)).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) { embed.Dispose(); lstm?.Dispose(); gru?.Dispose(); attention?.Dispose(); norm.Dispose(); head.Dispose(); }
        base.Dispose(disposing);
    }
}

/// <summary>Causal transformer over the task's vocabulary: learned positions, one head, attention + MLP per layer.</summary>
public sealed class RetrievalTransformer : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embed;
    private readonly Parameter positions;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> blocks;
    private readonly LayerNorm norm;
    private readonly Linear head;

    public RetrievalTransformer(int layers, int width, int maxLength, int vocabulary = IsTreeTokens.Vocabulary) : base("transformer")
    {
        embed = nn.Embedding(vocabulary, width);
        positions = nn.Parameter(zeros(maxLength, width));
        blocks = new ModuleList<nn.Module<Tensor, Tensor>>();
        for (var i = 0; i < layers; i++)
        {
            blocks.Add(new CausalAttention(width, 1, layerNorm: true));
            blocks.Add(new MarkovMlp(width, layerNorm: true));
        }
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

/// <summary>Builds the models at matched parameter counts, with a deterministic start from a C# RNG.</summary>
public static class IclRetrievalModels
{
    /// <summary>Widths tried, 4…256 (every width: one attention head, so the width need not be even and the
    /// counts can be matched closely).</summary>
    private const int MinWidth = 4;
    private const int MaxWidth = 256;

    /// <param name="vocabulary">Tokens read and predicted (IsTree's 23, or recall's keys + values).</param>
    public static nn.Module<Tensor, Tensor> Build(RetrievalModelKind kind, int width, int maxLength, int vocabulary = IsTreeTokens.Vocabulary) => kind switch
    {
        RetrievalModelKind.Lstm => new RecurrentLm(false, false, width, vocabulary),
        RetrievalModelKind.Gru => new RecurrentLm(true, false, width, vocabulary),
        RetrievalModelKind.LstmAttention => new RecurrentLm(false, true, width, vocabulary),
        RetrievalModelKind.Transformer1 => new RetrievalTransformer(1, width, maxLength, vocabulary),
        _ => new RetrievalTransformer(2, width, maxLength, vocabulary),
    };

    public static long Count(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.parameters().Sum(p => p.numel());
    }

    /// <summary>The width whose parameter count is closest to <paramref name="target"/> (counts grow with the
    /// width, so a binary search over the built models finds it; building a small model takes milliseconds).</summary>
    public static int Width(RetrievalModelKind kind, int target, int maxLength, int vocabulary = IsTreeTokens.Vocabulary)
    {
        long CountAt(int w) { using var m = Build(kind, w, maxLength, vocabulary); return Count(m); }
        int lo = MinWidth, hi = MaxWidth;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (CountAt(mid) < target) lo = mid + 1; else hi = mid;
        }
        var above = lo;
        var below = Math.Max(MinWidth, above - 1);
        return Math.Abs(CountAt(below) - target) <= Math.Abs(CountAt(above) - target) ? below : above;
    }

    public static nn.Module<Tensor, Tensor> Create(IclRetrievalSettings settings, long seed)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var width = Width(settings.Model, settings.TargetParameters, settings.MaxLength, settings.Vocabulary);
        var model = Build(settings.Model, width, settings.MaxLength, settings.Vocabulary);
        Initialize(model, width, new Random(unchecked((int)(seed * 7919) ^ 0x7EE5)));
        return model;
    }

    /// <summary>PyTorch's recurrent default for every weight and bias, U(±1/√width), drawn in C# so a seed fixes the
    /// start without libtorch's process-wide generator; embeddings N(0, 1), positions N(0, 0.02²), LayerNorm 1/0.</summary>
    private static void Initialize(nn.Module model, int width, Random rng)
    {
        using var noGrad = no_grad();
        var bound = 1 / Math.Sqrt(width);
        foreach (var (name, p) in model.named_parameters())
        {
            var values = new float[p.numel()];
            if (name.Contains("norm", StringComparison.Ordinal))
                Array.Fill(values, name.EndsWith("weight", StringComparison.Ordinal) ? 1f : 0f);
            else if (name.StartsWith("embed", StringComparison.Ordinal))
                for (var i = 0; i < values.Length; i++) values[i] = (float)Gaussian(rng);
            else if (name == "positions")
                for (var i = 0; i < values.Length; i++) values[i] = (float)(0.02 * Gaussian(rng));
            else
                for (var i = 0; i < values.Length; i++) values[i] = (float)(((rng.NextDouble() * 2) - 1) * bound);
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
