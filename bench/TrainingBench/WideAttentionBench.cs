using System.Diagnostics;
using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.WideAttention;
using LayerLab.Training.Studies;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace LayerLab.Bench.Training;

/// <summary>
/// wide-attention cases (issue #17): "wide-run[:shape]" runs the default configuration (or one shape) through
/// WideAttentionExperiment.TrainAsync; "wide-study" runs every shape × seed of accuracy-and-speed-vs-shape one after
/// the other (as the portal's single in-process worker does) and prints the study's verdict.
/// </summary>
internal static class WideAttentionBench
{
    private sealed class NullReporter : IRunReporter
    {
        public ValueTask ReportMetricsAsync(long runId, IReadOnlyList<MetricSample> samples, CancellationToken cancellationToken) => ValueTask.CompletedTask;
        public ValueTask ReportProgressAsync(long runId, double fraction, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    private static string Json(FormattableString s) => FormattableString.Invariant(s);

    public static void DefaultRun(string shape)
    {
        var config = shape.Length == 0 ? new Dictionary<string, string>() : new Dictionary<string, string> { ["shape"] = shape };
        var watch = Stopwatch.StartNew();
        var result = Train(config, 1);
        Console.WriteLine(Line("wide_run", config, 1, watch.Elapsed.TotalSeconds, result));
        Console.WriteLine(result.Verdict);
    }

    public static void Study()
    {
        var study = WideAttentionStudies.AccuracyAndSpeedVsShape;
        var runs = new List<StudyRun>();
        var total = Stopwatch.StartNew();
        foreach (var config in StudyPlan.Configurations(study))
            for (var seed = 1; seed <= study.Seeds; seed++)
            {
                var watch = Stopwatch.StartNew();
                var result = Train(config, seed);
                runs.Add(new StudyRun(config, seed, StudyRunState.Succeeded, result.Summary));
                Console.WriteLine(Line("wide_study_run", config, seed, watch.Elapsed.TotalSeconds, result));
            }
        var verdict = study.Verdict(StudyAggregation.Aggregate(study, runs));
        Console.WriteLine(Json($"{{\"case\":\"wide_study\",\"runs\":{runs.Count},\"seconds\":{total.Elapsed.TotalSeconds:R},\"outcome\":\"{verdict.Outcome}\"}}"));
        Console.WriteLine(verdict.Text);
    }

    private static string Line(string name, IReadOnlyDictionary<string, string> config, long seed, double seconds, RunResult result)
    {
        var s = result.Summary;
        return Json($"{{\"case\":\"{name}\",\"shape\":\"{config.GetValueOrDefault("shape", "default")}\",\"seed\":{seed},\"seconds\":{seconds:0.00},\"accuracy\":{s["accuracy"]:0.0000},\"majority\":{s["majority"]:0.0000},\"step_ms\":{s["step_ms"]:0.00},\"step_cpu_ms\":{s.GetValueOrDefault("step_cpu_ms", double.NaN):0.00},\"forward_ms\":{s["forward_ms"]:0.00},\"train_loss\":{s["train_loss"]:0.000},\"params\":{s["param_count"]}}}");
    }

    private static RunResult Train(IReadOnlyDictionary<string, string> config, long seed)
    {
        var experiment = new WideAttentionExperiment();
        var raw = config.ToDictionary(p => p.Key, p => (string?)p.Value);
        var validated = ParameterValidation.Validate(experiment.Parameters, raw);
        if (!validated.IsValid) throw new ArgumentException(string.Join("; ", validated.Errors.Values));
        var context = new RunContext(1, validated.Parameters!, seed, CPU, new NullReporter(), NullLogger.Instance);
        return experiment.TrainAsync(context, CancellationToken.None).GetAwaiter().GetResult();
    }
}
