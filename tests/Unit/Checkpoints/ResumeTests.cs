using LayerLab.Tests.Unit.Experiments;
using LayerLab.Training.Checkpoints;
using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.IclLinReg;
using LayerLab.Training.Experiments.IclTaskCount;
using LayerLab.Training.Experiments.MarkovIcl;
using Microsoft.Extensions.Logging.Abstractions;

namespace LayerLab.Tests.Unit.Checkpoints;

/// <summary>
/// Stop a run for a shutdown mid-training (it saves a checkpoint), start it again (it resumes): the final result is
/// the one of a run that was never stopped, and the two attempts together report every (metric, step) of it.
/// </summary>
public sealed class ResumeTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "layerlab-resume-tests", Guid.NewGuid().ToString("N"));

    public static TheoryData<string> Experiments => ["icl-linreg", "icl-task-count", "markov-icl"];

    [Theory]
    [MemberData(nameof(Experiments))]
    public async Task A_run_stopped_by_a_shutdown_resumes_from_its_checkpoint_to_the_uninterrupted_result(string key)
    {
        var (experiment, parameters, metric) = Small(key);
        var straight = new RecordingReporter();
        var expected = await experiment.TrainAsync(ExperimentHarness.Context(parameters, 3, straight), CancellationToken.None);

        var store = new FileCheckpointStore(_directory, NullLogger<FileCheckpointStore>.Instance);
        using var shutdown = new CancellationTokenSource();
        var first = new RecordingReporter { OnReport = call => call == 6 ? new ValueTask(shutdown.CancelAsync()) : ValueTask.CompletedTask };
        var firstCheckpoints = new RunCheckpoints(store, 42, "fp", TimeSpan.Zero, shutdown.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            experiment.TrainAsync(ExperimentHarness.Context(parameters, 3, first, firstCheckpoints), shutdown.Token));
        await firstCheckpoints.SaveAtShutdownAsync(TimeSpan.FromSeconds(5)); // as TrainRunJob does once the loop stopped

        var second = new RecordingReporter();
        var secondCheckpoints = new RunCheckpoints(store, 42, "fp", TimeSpan.FromHours(1), CancellationToken.None);
        var resumed = await experiment.TrainAsync(ExperimentHarness.Context(parameters, 3, second, secondCheckpoints), CancellationToken.None);

        Assert.True(secondCheckpoints.ResumedFromStep > 0, $"resumed from {secondCheckpoints.ResumedFromStep}");
        Assert.DoesNotContain(second.Samples, s => s.Step < secondCheckpoints.ResumedFromStep);
        // Bit-identical state goes in; libtorch's vectorised reductions may still round the last float bit differently
        // for a buffer at another address, hence 1e-6 relative rather than equality.
        var want = expected.Summary[metric];
        Assert.True(Close(resumed.Summary[metric], want),
            $"{metric}: resumed {resumed.Summary[metric]:R} vs uninterrupted {want:R}");

        // Together the attempts report exactly the uninterrupted run's points (repeats carry the same value).
        var straightPoints = straight.Samples.ToDictionary(s => (s.Key, s.Step), s => s.Value);
        var union = first.Samples.Concat(second.Samples).GroupBy(s => (s.Key, s.Step)).ToDictionary(g => g.Key, g => g.Select(s => s.Value).ToList());
        Assert.Equal(straightPoints.Keys.Order().ToArray(), union.Keys.Order().ToArray());
        foreach (var (point, values) in union)
            Assert.All(values, v => Assert.True(Close(v, straightPoints[point]), $"{point}: {v:R} vs {straightPoints[point]:R}"));
    }

    private static bool Close(double actual, double expected) => Math.Abs(actual - expected) <= 1e-6 * Math.Max(1e-12, Math.Abs(expected));

    private static (IExperiment Experiment, RunParameters Parameters, string Metric) Small(string key) => key switch
    {
        "icl-linreg" => (new IclLinRegExperiment(),
            IclLinRegSettings.Parameters(("steps", 300L), ("batch", 64L), ("test_prompts", 256L), ("ref_prompts", 1000L)), "test_loss"),
        "icl-task-count" => (new IclTaskCountExperiment(),
            IclTaskCountSettings.Parameters(("d", 4L), ("n_train", 8L), ("n_test", 8L), ("pools", "pow2_1_256"), ("steps", 200L),
                ("batch", 64L), ("pool_posterior_max", 16L)), "test_mse"),
        _ => (new MarkovIclExperiment(),
            MarkovIclSettings.Parameters(("steps", 200L), ("batch", 8L), ("length", 32L), ("test_sequences", 16L)), "test_ce"),
    };

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }
}
