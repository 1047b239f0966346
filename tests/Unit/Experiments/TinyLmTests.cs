using System.Security.Cryptography;
using System.Text;
using LayerLab.Training.Contracts;
using LayerLab.Training.Datasets;
using LayerLab.Training.Experiments.TinyLm;
using static TorchSharp.torch;

namespace LayerLab.Tests.Unit.Experiments;

public sealed class TinyLmTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "tinylm-tests-" + Guid.NewGuid().ToString("N"));

    public TinyLmTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Loss_on_a_repeated_string_falls_below_the_unigram()
    {
        var text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("hello world, how are you? ", 160)));
        var tokenizer = new ByteTokenizer(text);
        var split = TextSplit.Create(tokenizer.Encode(text), 0.25, seed: 1);
        var refs = NGramReferences.Compute(split, tokenizer.VocabularySize, 3);
        var settings = TinyLmSettings.Default with { Width = 32, Context = 16, Steps = 80, Batch = 16, Lr = 1e-2 };
        var outcome = TinyLmTrainer.Run(settings, split, tokenizer.VocabularySize, 1, CPU, _ => { }, CancellationToken.None);
        Assert.True(outcome.TestBits < refs.Unigram - 1, $"model {outcome.TestBits:0.000} vs unigram {refs.Unigram:0.000}");
        Assert.Equal(4, outcome.BitsAt.Count);
        Assert.True(outcome.TokensPerSecond > 0);
    }

    [Fact]
    public void Changing_a_later_token_does_not_change_earlier_logits()
    {
        using var model = new TinyTransformer(vocabulary: 10, layers: 2, width: 16, heads: 2, context: 12);
        model.Initialize(3);
        model.eval();
        using var noGrad = no_grad();
        long[] ids = [1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2];
        var changed = (long[])ids.Clone();
        changed[7] = 3;
        using var a = model.forward(tensor(ids, [1, 12]));
        using var b = model.forward(tensor(changed, [1, 12]));
        Assert.True(a.narrow(1, 0, 7).allclose(b.narrow(1, 0, 7), rtol: 0, atol: 0), "positions before the change moved");
        Assert.False(a.narrow(1, 7, 1).allclose(b.narrow(1, 7, 1)), "the changed position should move");
    }

    [Theory]
    [InlineData("heads", "3", "heads")]         // 3 does not divide the default width 64
    [InlineData("context", "1024", "context")]  // longer than 512
    [InlineData("layers", "13", "layers")]
    [InlineData("layers", "0", "layers")]
    [InlineData("ngram_order", "6", "ngram_order")]
    public void Bad_parameters_are_rejected_on_their_field(string name, string value, string field)
    {
        var result = ParameterValidation.Validate(TinyLmSettings.Specs, new Dictionary<string, string?> { [name] = value });
        Assert.False(result.IsValid);
        Assert.Equal([field], result.Errors.Keys);
        Assert.True(ParameterValidation.Validate(TinyLmSettings.Specs, new Dictionary<string, string?> { ["heads"] = "4", ["width"] = "48" }).IsValid);
    }

    [Fact]
    public async Task Fallback_catalog_writes_a_labelled_generated_text_and_knows_no_ids()
    {
        var catalog = new FallbackDatasetCatalog(null, _folder);
        var file = await catalog.DefaultTextAsync(CancellationToken.None);
        Assert.True(file.Generated);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(file.Path))), file.Sha256);
        Assert.Equal(file.Sha256, (await new FallbackDatasetCatalog(null, _folder).DefaultTextAsync(CancellationToken.None)).Sha256);
        Assert.Null(await catalog.FindAsync(1, CancellationToken.None));

        var installed = Path.Combine(_folder, "alice.txt");
        await File.WriteAllTextAsync(installed, "Alice was beginning to get very tired.");
        var fromPath = await new FallbackDatasetCatalog(installed, _folder).DefaultTextAsync(CancellationToken.None);
        Assert.False(fromPath.Generated);
        Assert.Equal(installed, fromPath.Path);
        Assert.Equal("alice", fromPath.Name);
    }

    [Fact]
    public async Task A_run_reports_the_dataset_it_trained_on_and_rejects_unknown_ids()
    {
        var path = Path.Combine(_folder, "text.txt");
        await File.WriteAllBytesAsync(path, GeneratedText.Bytes()[..20_000]);
        var experiment = new TinyLmExperiment(new FallbackDatasetCatalog(path, _folder));
        var reporter = new RecordingReporter();
        var parameters = TinyLmSettings.Parameters(("width", 16L), ("context", 16L), ("steps", 8L), ("batch", 4L), ("ngram_order", 3L));
        var result = await experiment.TrainAsync(ExperimentHarness.Context(parameters, 1, reporter), CancellationToken.None);

        var sha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path)));
        Assert.Contains(sha, result.Verdict, StringComparison.Ordinal);
        Assert.Equal(0, result.Summary[TinyLmExperiment.DatasetIdKey]);
        Assert.Equal(3, result.References.Count);
        Assert.Equal(4, result.Summary.Keys.Count(k => k.StartsWith(TinyLmExperiment.BitsAtPrefix, StringComparison.Ordinal)));
        Assert.Contains(reporter.Samples, s => s.Key == "test_bpt");

        var unknown = TinyLmSettings.Parameters(("dataset", 7L), ("steps", 1L));
        await Assert.ThrowsAsync<ArgumentException>(() => experiment.TrainAsync(ExperimentHarness.Context(unknown), CancellationToken.None));
    }
}
