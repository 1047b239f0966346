using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.XorPrelu;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace LayerLab.Tests.Unit.Experiments;

/// <summary>Seeds trained together (<see cref="ISeedBatchedExperiment"/>) give each seed what training it alone gives.</summary>
public sealed class XorPreluSeedBatchTests
{
    private static readonly XorPreluExperiment Experiment = new();

    // A grid wide enough that some learning rates fail some trials (so success rates, bands and the verdict are not
    // all trivially 1), small enough to stay quick.
    private static readonly RunParameters Parameters = XorPreluSettings.Parameters(
        ("lr_min", 1e-3), ("lr_max", 3.0), ("lr_points", 5L), ("trials", 30L), ("epochs", 150L));

    private static RunContext Context(long runId, long seed, IRunReporter reporter) =>
        new(runId, Parameters, seed, CPU, reporter, NullLogger.Instance);

    [Fact]
    public async Task Each_seed_trained_in_a_batch_equals_that_seed_trained_alone_metrics_included()
    {
        long[] seeds = [11, 12, 13];
        var batchReporters = seeds.Select(_ => new RecordingReporter()).ToArray();
        var contexts = seeds.Select((seed, i) => Context(100 + i, seed, batchReporters[i])).ToList();

        var batched = await Experiment.TrainSeedsAsync(contexts, CancellationToken.None);

        Assert.Equal(seeds.Length, batched.Count);
        for (var i = 0; i < seeds.Length; i++)
        {
            var aloneReporter = new RecordingReporter();
            var alone = await Experiment.TrainAsync(Context(100 + i, seeds[i], aloneReporter), CancellationToken.None);

            Assert.Equal(alone.Verdict, batched[i].Verdict);
            Assert.Equal(alone.Summary.Keys.Order(), batched[i].Summary.Keys.Order());
            foreach (var (key, value) in alone.Summary) AssertClose(value, batched[i].Summary[key], key);
            Assert.Equal(alone.References, batched[i].References);

            // Live metrics too: each run got its own points, the same ones as alone.
            var (a, b) = (aloneReporter.Samples, batchReporters[i].Samples);
            Assert.Equal(a.Count, b.Count);
            for (var k = 0; k < a.Count; k++)
            {
                Assert.Equal((a[k].Key, a[k].Step), (b[k].Key, b[k].Step));
                AssertClose(a[k].Value, b[k].Value, $"{a[k].Key}@{a[k].Step}");
            }
            Assert.Equal(aloneReporter.Progress, batchReporters[i].Progress);
        }
        // The seeds really differ (the batch did not train one seed three times).
        Assert.NotEqual(batched[0].Summary["loss/prelu"], batched[1].Summary["loss/prelu"]);
        Assert.NotEqual(batched[1].Summary["loss/mlp"], batched[2].Summary["loss/mlp"]);
    }

    [Fact]
    public async Task Runs_with_different_parameters_are_refused()
    {
        var other = XorPreluSettings.Parameters(("trials", 31L));
        var contexts = new List<RunContext>
        {
            Context(1, 1, new RecordingReporter()),
            new(2, other, 2, CPU, new RecordingReporter(), NullLogger.Instance),
        };
        await Assert.ThrowsAsync<ArgumentException>(() => Experiment.TrainSeedsAsync(contexts, CancellationToken.None));
    }

    private static void AssertClose(double expected, double actual, string what)
    {
        if (double.IsNaN(expected)) { Assert.True(double.IsNaN(actual), what); return; }
        var tolerance = 1e-5 * Math.Max(1, Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: alone {expected}, batched {actual}");
    }
}
