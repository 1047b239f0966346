using System.Diagnostics;
using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.XorPrelu;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace LayerLab.Tests.Unit.Experiments;

public sealed class XorPreluTests(ITestOutputHelper output)
{
    private static readonly XorPreluExperiment Experiment = new();

    private static RunContext Context(RunParameters parameters, long seed = 1, IRunReporter? reporter = null) =>
        ExperimentHarness.Context(parameters, seed, reporter);

    private static Task<RunResult> Train(long seed = 1, IRunReporter? reporter = null, params (string, object)[] overrides) =>
        Experiment.TrainAsync(Context(XorPreluSettings.Parameters(overrides), seed, reporter), CancellationToken.None);

    /// <summary>{−1,1} inputs, Adam at 0.01 and 0.1 (the two ends of a 2-point grid), 300 epochs.</summary>
    private static readonly (string, object)[] GoodPm1 =
        [("input_coding", "pm1"), ("lr_min", 0.01), ("lr_max", 0.1), ("lr_points", 2L), ("trials", 50L)];

    [Fact]
    public async Task Prelu_solves_xor_every_trial_at_a_good_learning_rate_and_lands_on_the_exact_solution()
    {
        var result = await Train(1, null, GoodPm1);

        Assert.Equal(1.0, result.Summary["success/prelu@lr=0.01"]);
        Assert.Equal(1.0, result.Summary["success/prelu@lr=0.1"]);
        Assert.Equal(1.0, result.Summary["success/prelu"]);
        // The exact solution for {−1,1} inputs is w = ±(½, −½), slope −1; the trained neurons sit on it.
        Assert.InRange(result.Summary["ref_distance/prelu"], 0, 0.05);
        Assert.Equal(0, result.Summary["diverged/prelu"]);
        Assert.InRange(result.Summary["loss/prelu"], 0, 1e-3);
    }

    [Fact]
    public async Task Same_seed_gives_an_identical_summary_and_another_seed_different_values()
    {
        var first = await Train(7, null, GoodPm1);
        var again = await Train(7, null, GoodPm1);
        var other = await Train(8, null, GoodPm1);

        Assert.Equal(first.Summary.OrderBy(p => p.Key), again.Summary.OrderBy(p => p.Key));
        Assert.Equal(first.Verdict, again.Verdict);
        Assert.NotEqual(first.Summary["loss/prelu"], other.Summary["loss/prelu"]);
        Assert.NotEqual(first.Summary["ref_distance/prelu"], other.Summary["ref_distance/prelu"]);
        Assert.Equal(1.0, other.Summary["success/prelu@lr=0.01"]);
        Assert.Equal(1.0, other.Summary["success/prelu@lr=0.1"]);
    }

    [Fact]
    public async Task Default_run_reports_bands_for_every_model_a_verdict_and_increasing_steps()
    {
        var reporter = new RecordingReporter();
        var watch = Stopwatch.StartNew();
        var result = await Train(1, reporter);
        output.WriteLine($"default config: {watch.ElapsedMilliseconds} ms (first run in this process includes warm-up)");
        output.WriteLine(result.Verdict);

        var models = new[] { "prelu", "prelu_bias", "mlp", "gcu" };
        var grid = XorSummary.LearningRateLabels(XorPreluSettings.Default.LearningRates());
        foreach (var m in models)
        {
            Assert.True(result.Summary.ContainsKey($"band_decades/{m}"), m);
            Assert.True(result.Summary.ContainsKey($"band_points/{m}"), m);
            // Each learning rate's rate is whole trials out of 100; the model's rate is their mean (same trials each)
            // and equals the last live success sample, which is computed from the same final outputs.
            var perLr = grid.Select(lr => result.Summary[$"success/{m}@lr={lr}"]).ToList();
            Assert.All(perLr, rate => Assert.Equal(Math.Round(rate * 100), rate * 100, 9));
            Assert.Equal(perLr.Average(), result.Summary[$"success/{m}"], 9);
            Assert.Equal(result.Summary[$"success/{m}"], reporter.Samples.Last(s => s.Key == $"success/{m}").Value, 5);
            output.WriteLine($"{m,-11}" + string.Join(" ", grid.Select(lr => $"{result.Summary[$"success/{m}@lr={lr}"],5:0.00}")));
        }
        Assert.Equal(13, grid.Count);
        Assert.Equal(["0.001", "0.00178", "0.00316"], grid.Take(3));
        Assert.Equal("1", grid[^1]);
        Assert.NotNull(result.Verdict);
        // The default (pm1 coding) reproduces the claim: PReLU's 100% band is strictly wider than MLP's and GCU's.
        Assert.StartsWith("Reproduced:", result.Verdict, StringComparison.Ordinal);
        Assert.True(result.Summary["band_points/prelu"] > result.Summary["band_points/mlp"]);
        // Reproduced means PReLU solved every trial at some learning rate, and not every model solves every trial.
        Assert.Contains(grid, lr => result.Summary[$"success/prelu@lr={lr}"] == 1.0);
        Assert.Contains(models, m => result.Summary[$"success/{m}"] < 1.0);

        // Live metrics: every 5 epochs and the last, steps 0, 5, …, 300, every key each time, progress up to 1.
        var steps = reporter.Samples.Select(s => s.Step).Distinct().ToList();
        Assert.Equal(Enumerable.Range(0, 61).Select(i => (long)(i * 5)), steps);
        Assert.True(reporter.Samples.Zip(reporter.Samples.Skip(1)).All(p => p.First.Step <= p.Second.Step));
        foreach (var m in models)
        {
            Assert.Equal(61, reporter.Samples.Count(s => s.Key == $"success/{m}"));
            Assert.Equal(61, reporter.Samples.Count(s => s.Key == $"loss/{m}"));
        }
        Assert.Equal(1.0, reporter.Progress[^1]);
        Assert.True(reporter.Progress.Zip(reporter.Progress.Skip(1)).All(p => p.First <= p.Second));
        // Loss must fall over training (the first point is the untrained models).
        var prelu = reporter.Samples.Where(s => s.Key == "loss/prelu").ToList();
        Assert.True(prelu[^1].Value < prelu[0].Value);
    }

    [Fact]
    public async Task With_01_coding_prelu_is_capped_by_the_zero_gradient_minimum_and_the_verdict_says_so()
    {
        var result = await Train(1, null, ("input_coding", "01"));
        output.WriteLine(result.Verdict);
        Assert.StartsWith("Not reproduced:", result.Verdict, StringComparison.Ordinal);
        var grid = XorSummary.LearningRateLabels(XorPreluSettings.Default.LearningRates());
        // About a third of random starts land at w1 = w2 = 1/3, where the slope gets no gradient: never 100%.
        Assert.All(grid, lr => Assert.InRange(result.Summary[$"success/prelu@lr={lr}"], 0, 0.9));
    }

    [Fact]
    public async Task With_pm1_coding_the_papers_claim_holds_prelu_band_strictly_wider_than_mlp_and_gcu()
    {
        var result = await Train(1, null, ("input_coding", "pm1"));
        output.WriteLine(result.Verdict);

        Assert.StartsWith("Reproduced:", result.Verdict, StringComparison.Ordinal);
        Assert.True(result.Summary["band_points/prelu"] > result.Summary["band_points/mlp"]);
        Assert.True(result.Summary["band_points/prelu"] > result.Summary["band_points/gcu"]);
        Assert.True(result.Summary["band_decades/prelu"] >= 2, "observed 2.25–2.5 decades over seeds 1–6");
    }

    [Fact]
    public async Task Pre_cancelled_token_throws_before_training()
    {
        var reporter = new RecordingReporter();
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(() =>
            Experiment.TrainAsync(Context(XorPreluSettings.Parameters(), 1, reporter), cts.Token));
        Assert.Empty(reporter.Samples);
    }

    [Fact]
    public async Task Cancelling_mid_run_stops_training_with_operation_cancelled()
    {
        using var cts = new CancellationTokenSource();
        var reporter = new RecordingReporter { OnReport = call => call == 3 ? new ValueTask(cts.CancelAsync()) : ValueTask.CompletedTask };
        var parameters = XorPreluSettings.Parameters(("epochs", 100_000L), ("trials", 10L));
        var watch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Experiment.TrainAsync(Context(parameters, 1, reporter), cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "a 100k-epoch run must not have run to the end");
        Assert.DoesNotContain(reporter.Progress, p => p >= 1);
    }

    [Fact]
    public async Task A_failing_reporter_fails_the_run_instead_of_hanging_it()
    {
        var reporter = new RecordingReporter { OnReport = _ => throw new InvalidOperationException("portal down") };
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => Train(1, reporter, ("epochs", 100_000L), ("trials", 10L)));
        Assert.Equal("portal down", ex.Message);
    }

    [Fact]
    public void Success_means_every_output_on_its_targets_side_of_one_half()
    {
        using var scope = NewDisposeScope();
        var targetBits = XorData.TargetTensor(CPU).gt(0.5);
        Assert.Equal([false, true, true, false], targetBits.data<bool>().ToArray());
        // [1 model, 4 points, 4 rows]: each row one set of outputs for the targets 0, 1, 1, 0.
        float[][] rows =
        [
            [0.45f, 0.55f, 0.55f, 0.45f],    // every output on the right side, if only just: success
            [0.55f, 0.55f, 0.55f, 0.45f],    // 0.55 for a target 0: fails
            [0.45f, 0.55f, 0.45f, 0.45f],    // 0.45 for a target 1: fails
            [0.00f, 1.00f, 1.00f, 0.50f],    // exactly 0.5 for a target 0 counts as 0 (the rule is "> 0.5"): success
        ];
        var outputs = tensor(Enumerable.Range(0, 4).SelectMany(p => rows.Select(r => r[p])).ToArray(), [1, 4, rows.Length]);
        var correct = XorTrainer.Correct(outputs, targetBits);
        Assert.Equal([rows.Length, 1L], correct.shape);
        Assert.Equal([true, false, false, true], correct.data<bool>().ToArray());
    }

    [Fact]
    public void Exact_prelu_parameters_fit_xor_exactly_in_both_codings_and_have_distance_zero()
    {
        foreach (var coding in new[] { InputCoding.ZeroOne, InputCoding.PlusMinusOne })
        {
            var c = (float)XorReference.ExactWeight(coding);
            var row = new float[XorModels.Width];
            (row[0], row[1], row[2]) = (c, -c, -1);                  // prelu
            (row[3], row[4], row[5], row[6]) = (-c, c, 0, -1);       // prelu_bias, the mirrored solution
            using var scope = NewDisposeScope();
            var theta = tensor(row, [1, XorModels.Width]);
            var inputsT = XorData.InputsTransposed(coding, CPU);
            var y = XorModels.Forward(theta, inputsT, MlpActivation.Tanh).data<float>().ToArray();

            var targets = XorData.Targets();
            for (var p = 0; p < 4; p++)
            {
                Assert.Equal(targets[p], y[p]);          // prelu
                Assert.Equal(targets[p], y[4 + p]);      // prelu_bias
            }
            Assert.Equal(0, XorReference.PreluDistance(c, -c, -1, coding));
            Assert.Equal(0, XorReference.PreluDistance(-c, c, -1, coding));
            Assert.Equal(0, XorReference.PreluBiasDistance(-c, c, 0, -1, coding));
            Assert.Equal(1, XorReference.PreluDistance(c, -c, 0, coding), 12);
            Assert.Equal(Math.Sqrt(2) * c, XorReference.PreluDistance(0, 0, -1, coding), 6);
        }
    }

    [Fact]
    public void With_01_coding_w_one_third_one_third_is_a_spurious_stationary_point_of_prelu_without_bias()
    {
        // Explains why the default {0,1} run cannot reach 100%: starts with both weights positive end here.
        using var scope = NewDisposeScope();
        var row = new float[XorModels.Width];
        (row[0], row[1], row[2]) = (1f / 3, 1f / 3, 0.25f);
        var theta = tensor(row, [1, XorModels.Width], requires_grad: true);
        var inputsT = XorData.InputsTransposed(InputCoding.ZeroOne, CPU);
        var targets = XorData.TargetTensor(CPU);
        var y = XorModels.Forward(theta, inputsT, MlpActivation.Tanh);
        var loss = (y.select(1, 0) - targets).square().mean();
        var grad = autograd.grad([loss], [theta])[0].data<float>().ToArray();

        Assert.InRange(Math.Abs(grad[0]) + Math.Abs(grad[1]) + Math.Abs(grad[2]), 0, 1e-6);
        Assert.True(y[0, 0, 3].item<float>() > 0.5f, "the (1,1) output is ⅔, misclassified");
    }

    [Fact]
    public void Batched_adam_matches_torch_optim_adam_row_by_row()
    {
        float[] lrs = [0.001f, 0.05f, 0.7f];
        float[] start = [0.3f, -1.2f, 2f, 0.5f, -0.7f, 1.1f];
        using var scope = NewDisposeScope();
        var target = tensor(new float[] { 1f, -2f }, [1, 2]);
        Tensor Loss(Tensor p) => ((p - target).square() * (p + 3).abs()).sum();

        var batched = tensor(start, [3, 2], requires_grad: true);
        using var adam = BatchedOptimizer.Create(OptimizerKind.Adam, tensor(lrs, [3, 1]), batched);
        var reference = Enumerable.Range(0, 3)
            .Select(r => new TorchSharp.Modules.Parameter(tensor(start.AsSpan(r * 2, 2).ToArray(), [1, 2])))
            .ToArray();
        var optims = reference.Select((p, r) => optim.Adam([p], lr: lrs[r])).ToArray();
        for (var step = 0; step < 50; step++)
        {
            var g = autograd.grad([Loss(batched)], [batched])[0];
            using (no_grad()) adam.Step(batched, g);
            for (var r = 0; r < 3; r++)
            {
                optims[r].zero_grad();
                Loss(reference[r]).backward();
                optims[r].step();
            }
        }
        var got = batched.detach().data<float>().ToArray();
        for (var r = 0; r < 3; r++)
        {
            var want = reference[r].detach().data<float>().ToArray();
            Assert.Equal(want[0], got[r * 2], 4);
            Assert.Equal(want[1], got[(r * 2) + 1], 4);
        }
        foreach (var o in optims) o.Dispose();
    }

    [Fact]
    public void Batched_sgd_steps_each_row_by_its_own_learning_rate()
    {
        float[] ones = [1, 1, 1, 1], rates = [0.1f, 0.5f], gradient = [1, 2, 1, 2];
        using var scope = NewDisposeScope();
        var p = tensor(ones, [2, 2]);
        using var sgd = BatchedOptimizer.Create(OptimizerKind.Sgd, tensor(rates, [2, 1]), p);
        sgd.Step(p, tensor(gradient, [2, 2]));
        Assert.Equal([0.9f, 0.8f, 0.5f, 0f], p.data<float>().ToArray());
    }

    [Fact]
    public void Success_band_is_the_longest_contiguous_full_run_measured_in_decades()
    {
        double[] lrs = [0.001, 0.01, 0.1, 1, 10];
        var band = SuccessBand.Longest(lrs, [true, false, true, true, false]);
        Assert.Equal(2, band.Points);
        Assert.Equal((0.1, 1.0), (band.LrLow, band.LrHigh));
        Assert.Equal(1, band.Decades, 12);

        Assert.Equal(3, SuccessBand.Longest(lrs, [false, false, true, true, true]).Points);
        Assert.Equal(2, SuccessBand.Longest(lrs, [false, false, true, true, true]).Decades, 12);
        var single = SuccessBand.Longest(lrs, [false, true, false, false, false]);
        Assert.Equal((1, 0.0), (single.Points, single.Decades));
        var none = SuccessBand.Longest(lrs, [false, false, false, false, false]);
        Assert.Equal((0, 0.0), (none.Points, none.Decades));
    }

    [Fact]
    public void Learning_rate_grid_is_log_spaced_hits_both_ends_and_labels_stay_distinct()
    {
        var grid = (XorPreluSettings.Default with { LrMin = 1, LrMax = 1e-3 }).LearningRates();
        Assert.Equal(13, grid.Length);
        Assert.Equal(1e-3, grid[0]);
        Assert.Equal(1, grid[^1]);
        Assert.Equal(0.01, grid[4], 15);
        Assert.Equal([1e-3], (XorPreluSettings.Default with { LrPoints = 1 }).LearningRates());

        var dense = (XorPreluSettings.Default with { LrMin = 0.01, LrMax = 0.0101, LrPoints = 64 }).LearningRates();
        var labels = XorSummary.LearningRateLabels(dense);
        Assert.Equal(64, labels.Distinct().Count());
    }

    [Fact]
    public async Task Every_declared_metric_appears_in_the_summary_and_the_specs_validate_their_own_defaults()
    {
        var result = await Train(3, null, ("epochs", 20L), ("trials", 5L));
        foreach (var metric in Experiment.Metrics) Assert.True(result.Summary.ContainsKey(metric.Key), metric.Key);
        Assert.All(result.Summary.Values, v => Assert.True(double.IsFinite(v)));
        Assert.All(result.References, r => Assert.Contains(Experiment.Metrics, m => m.Key == r.MetricKey));

        Assert.Equal("xor-prelu", Experiment.Key);
        Assert.Contains(Experiment.Metrics, m => m.Key == Experiment.PrimaryMetric && m.Direction == MetricDirection.Maximize);
        var valid = ParameterValidation.Validate(Experiment.Parameters, new Dictionary<string, string?>());
        Assert.True(valid.IsValid);
        Assert.Equal(XorPreluSettings.Default, XorPreluSettings.From(valid.Parameters!));
        foreach (var spec in Experiment.Parameters)
            Assert.NotNull(spec.TryParse(spec.DefaultText, out _));
    }
}
