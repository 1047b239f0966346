using System.Globalization;
using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.Shared;
using LayerLab.Training.Studies;
using Microsoft.Extensions.Logging;

namespace LayerLab.Training.Experiments.TinyLm;

/// <summary>
/// tiny-lm: a byte-level transformer language model of 1 to 12 layers on a text dataset, scored in held-out bits per
/// token against exact unigram, bigram and interpolated Kneser–Ney references counted on the same training blocks.
/// Stand-in for the Co⁴/BabyLM claim (arXiv 2510.08404) that one layer with two heads is sample-efficient.
/// </summary>
public sealed class TinyLmExperiment(IDatasetCatalog datasets) : IExperiment, IHasStudies
{
    /// <summary>Summary keys of the dataset the run trained on (its id; the sha256's first 52 bits as a number).</summary>
    public const string DatasetIdKey = "dataset_id";

    public string Key => "tiny-lm";
    public string Title => "One layer vs twelve on text (byte-level LM)";
    public string Paper => "arXiv 2510.08404 (Co⁴, BabyLM) — stand-in";
    public string PaperUrl => "https://arxiv.org/abs/2510.08404";

    public string Claim =>
        "Direction only at this scale: a 1-layer, 2-head transformer LM is sample-efficient relative to deeper ones — at " +
        "equal training tokens its held-out bits per token are no worse. One run reports its held-out bits per token " +
        "against exact unigram, bigram and Kneser–Ney references on the same split; the comparison across depths is the study.";

    public IReadOnlyList<ParameterSpec> Parameters => TinyLmSettings.Specs;

    public IReadOnlyList<MetricDefinition> Metrics { get; } =
    [
        new("test_bpt", "Held-out bits per token", MetricDirection.Minimize,
            "Mean −log₂ P(next byte) over the held-out blocks (every token but each block's first), windows of the run's context."),
        new("train_bpt", "Training bits per token", MetricDirection.Minimize, "On the step's batch."),
        new("tokens_per_second", "Training tokens / s", MetricDirection.Maximize, "Training time only, held-out evaluation excluded."),
        new("ref/unigram", "Unigram (add-one) bits per token", MetricDirection.Minimize, "Exact, on the same held-out tokens."),
        new("ref/bigram", "Bigram (add-one) bits per token", MetricDirection.Minimize, "Exact, on the same held-out tokens."),
        new("ref/kneser_ney", "Interpolated Kneser–Ney bits per token", MetricDirection.Minimize, "Order ngram_order, D = 0.75."),
    ];

    public string PrimaryMetric => "test_bpt";

    public IReadOnlyList<StudyDefinition> Studies => TinyLmStudies.All;

    public async Task<RunResult> TrainAsync(RunContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        cancellationToken.ThrowIfCancellationRequested();
        var settings = TinyLmSettings.From(context.Parameters);
        var dataset = settings.Dataset == 0
            ? await datasets.DefaultTextAsync(cancellationToken)
            : await datasets.FindAsync(settings.Dataset, cancellationToken)
              ?? throw new ArgumentException($"Dataset {settings.Dataset} does not exist.", nameof(context));
        var text = await File.ReadAllBytesAsync(dataset.Path, cancellationToken);
        var tokenizer = new ByteTokenizer(text);
        var split = TextSplit.Create(tokenizer.Encode(text), settings.HeldOut, context.Seed);
        var references = NGramReferences.Compute(split, tokenizer.VocabularySize, settings.NGramOrder);
        var outcome = await TrainingThread.RunAsync(context,
            (report, token) => TinyLmTrainer.Run(settings, split, tokenizer.VocabularySize, context.Seed, context.Device, report, token, context.Checkpoints),
            cancellationToken);
        var (summary, verdict) = Summarize(settings, dataset, tokenizer.VocabularySize, split, references, outcome);
        context.Logger.LogInformation("tiny-lm run {RunId} on dataset {Dataset} ({Sha}): {Verdict}", context.RunId, dataset.Name, dataset.Sha256, verdict);
        return new RunResult(summary,
        [
            new ReferenceValue("test_bpt", "unigram", references.Unigram),
            new ReferenceValue("test_bpt", "bigram", references.Bigram),
            new ReferenceValue("test_bpt", $"Kneser–Ney {references.KneserNeyOrder}-gram", references.KneserNey),
        ], verdict);
    }

    public static (Dictionary<string, double> Summary, string Verdict) Summarize(
        TinyLmSettings settings, DatasetFile dataset, int vocabulary, TextSplit split, NGramBits references, TinyLmOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(references);
        ArgumentNullException.ThrowIfNull(outcome);
        var summary = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["test_bpt"] = outcome.TestBits,
            ["train_bpt"] = outcome.TrainBits,
            ["tokens_per_second"] = outcome.TokensPerSecond,
            ["train_tokens"] = settings.TrainingTokens,
            ["ref/unigram"] = references.Unigram,
            ["ref/bigram"] = references.Bigram,
            ["ref/kneser_ney"] = references.KneserNey,
            ["gap_kneser_ney"] = outcome.TestBits - references.KneserNey,
            ["vocabulary"] = vocabulary,
            ["held_out_tokens"] = TextSplit.ScoredTokens(split.HeldOut),
            [DatasetIdKey] = dataset.Id,
            ["dataset_generated"] = dataset.Generated ? 1 : 0,
            [RunResult.ParameterCountKey] = outcome.ParameterCount,
            ["train_seconds"] = outcome.TrainSeconds,
        };
        // One summary value per evaluated budget: the study reads the bits-vs-tokens curve from these.
        foreach (var (tokens, bits) in outcome.BitsAt) summary[BitsAtKey(tokens)] = bits;
        var c = CultureInfo.InvariantCulture;
        var position = outcome.TestBits < references.KneserNey ? "below the Kneser–Ney reference"
            : outcome.TestBits < references.Bigram ? "between the bigram and Kneser–Ney references"
            : outcome.TestBits < references.Unigram ? "between the unigram and bigram references"
            : "not below the unigram reference";
        var verdict = string.Format(c,
            "{0}-layer, {1}-head, width {2} model: {3:0.000} held-out bits per token after {4:N0} training tokens — {5} " +
            "(unigram {6:0.000}, bigram {7:0.000}, Kneser–Ney {8}-gram {9:0.000}); {10:N0} tokens/s. Dataset '{11}' v{12} " +
            "(id {13}, sha256 {14}, {15:N0} bytes{16}), {17:N0} held-out tokens. The claim compares depths: see the study.",
            settings.Layers, settings.Heads, settings.Width, outcome.TestBits, settings.TrainingTokens, position,
            references.Unigram, references.Bigram, references.KneserNeyOrder, references.KneserNey, outcome.TokensPerSecond,
            dataset.Name, dataset.Version, dataset.Id, dataset.Sha256, dataset.Bytes,
            dataset.Generated ? ", generated fallback text, not natural English" : "", TextSplit.ScoredTokens(split.HeldOut));
        return (summary, verdict);
    }

    public const string BitsAtPrefix = "test_bpt_at/";

    public static string BitsAtKey(long tokens) => BitsAtPrefix + tokens.ToString(CultureInfo.InvariantCulture);
}
