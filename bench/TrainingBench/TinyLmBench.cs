using System.Diagnostics;
using System.Globalization;
using LayerLab.Training.Contracts;
using LayerLab.Training.Datasets;
using LayerLab.Training.Experiments.TinyLm;
using LayerLab.Training.Studies;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace LayerLab.Bench.Training;

/// <summary>
/// tiny-lm cases (issue #18): "tinylm" times training steps of the experiment's own TinyTransformer at the run
/// defaults (bench/training_bench.py "tinylm" is the same model in PyTorch); "tinylm-run" runs the default
/// configuration through TinyLmExperiment.TrainAsync; "tinylm-study:KEY" runs every configuration × seed of a
/// declared study one after the other (as the portal's single in-process worker does) and prints its verdict.
/// </summary>
internal static class TinyLmBench
{
    private sealed class NullReporter : IRunReporter
    {
        public ValueTask ReportMetricsAsync(long runId, IReadOnlyList<MetricSample> samples, CancellationToken cancellationToken) => ValueTask.CompletedTask;
        public ValueTask ReportProgressAsync(long runId, double fraction, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    private static string Json(FormattableString s) => FormattableString.Invariant(s);

    /// <summary>Vocabulary of the generated default text (the model's head width depends on it).</summary>
    public static int Vocabulary() => new ByteTokenizer(GeneratedText.Bytes()).VocabularySize;

    public static void Steps(int iterations, string label, int round)
    {
        var s = TinyLmSettings.Default;
        var vocab = Vocabulary();
        using var model = new TinyTransformer(vocab, s.Layers, s.Width, s.Heads, s.Context);
        model.Initialize(1);
        var ps = model.parameters().ToList();
        using var adamw = optim.AdamW(ps, s.Lr, 0.9, s.Beta2, weight_decay: s.WeightDecay);
        using var gen = new Generator(11, CPU);
        using var data = randint(0, vocab, [s.Batch, s.Context + 1], dtype: ScalarType.Int64, generator: gen);
        void Step()
        {
            using var scope = NewDisposeScope();
            var loss = TinyLmTrainer.Loss(model, data);
            adamw.zero_grad();
            loss.backward();
            adamw.step();
        }
        for (var i = 0; i < 5; i++) Step();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++) Step();
        var perStep = watch.Elapsed.TotalSeconds / iterations;
        var tokens = (double)s.Batch * s.Context;
        Console.WriteLine(Json($"{{\"impl\":\"{label}\",\"case\":\"tinylm\",\"threads\":{get_num_threads()},\"round\":{round},\"metric\":\"tokens_per_s\",\"value\":{tokens / perStep:R},\"ms_per_step\":{perStep * 1e3:R},\"params\":{ps.Sum(p => p.numel())},\"vocab\":{vocab}}}"));
    }

    public static void DefaultRun()
    {
        var experiment = new TinyLmExperiment(FallbackDatasetCatalog.FromEnvironment());
        var watch = Stopwatch.StartNew();
        var result = Train(experiment, new Dictionary<string, string>(), 1);
        Console.WriteLine(Json($"{{\"case\":\"tinylm_default_run\",\"seconds\":{watch.Elapsed.TotalSeconds:R},\"test_bpt\":{result.Summary["test_bpt"]:R},\"tokens_per_s\":{result.Summary["tokens_per_second"]:R}}}"));
        Console.WriteLine(result.Verdict);
    }

    /// <param name="spec">A study key, optionally "@name=value" to run only the configurations with that value (one part
    /// of a study in another process; its verdict line then judges the part alone).</param>
    public static void Study(string spec)
    {
        var experiment = new TinyLmExperiment(FallbackDatasetCatalog.FromEnvironment());
        var (key, only) = spec.Contains('@', StringComparison.Ordinal) ? (spec[..spec.IndexOf('@')], spec[(spec.IndexOf('@') + 1)..]) : (spec, "");
        var study = TinyLmStudies.All.Single(s => s.Key == key);
        var runs = new List<StudyRun>();
        var total = Stopwatch.StartNew();
        foreach (var config in StudyPlan.Configurations(study).Where(c => only.Length == 0 || c.Any(p => p.Key + "=" + p.Value == only)))
            for (var seed = 1; seed <= study.Seeds; seed++)
            {
                var watch = Stopwatch.StartNew();
                var result = Train(experiment, config, seed);
                runs.Add(new StudyRun(config, seed, StudyRunState.Succeeded, result.Summary));
                Console.WriteLine(Json($"{{\"case\":\"tinylm_study_run\",\"study\":\"{key}\",\"config\":\"{string.Join(' ', config.Select(p => p.Key + "=" + p.Value))}\",\"seed\":{seed},\"seconds\":{watch.Elapsed.TotalSeconds:R},\"test_bpt\":{result.Summary["test_bpt"]:R},\"params\":{result.Summary["param_count"]:R},\"ref_kn\":{result.Summary["ref/kneser_ney"]:R},\"ref_unigram\":{result.Summary["ref/unigram"]:R},\"curve\":\"{Curve(result)}\"}}"));
            }
        var verdict = study.Verdict(StudyAggregation.Aggregate(study, runs));
        Console.WriteLine(Json($"{{\"case\":\"tinylm_study\",\"study\":\"{key}\",\"runs\":{runs.Count},\"seconds\":{total.Elapsed.TotalSeconds:R},\"outcome\":\"{verdict.Outcome}\"}}"));
        Console.WriteLine(verdict.Text);
    }

    /// <summary>The run's bits-vs-tokens points ("tokens:bits ..."), what the study plots.</summary>
    private static string Curve(RunResult result) => string.Join(' ', result.Summary
        .Where(p => p.Key.StartsWith(TinyLmExperiment.BitsAtPrefix, StringComparison.Ordinal))
        .Select(p => FormattableString.Invariant($"{p.Key[TinyLmExperiment.BitsAtPrefix.Length..]}:{p.Value:0.0000}")));

    private static RunResult Train(TinyLmExperiment experiment, IReadOnlyDictionary<string, string> config, long seed)
    {
        var raw = config.ToDictionary(p => p.Key, p => (string?)p.Value);
        var validated = ParameterValidation.Validate(experiment.Parameters, raw);
        if (!validated.IsValid) throw new ArgumentException(string.Join("; ", validated.Errors.Values));
        var context = new RunContext(1, validated.Parameters!, seed, CPU, new NullReporter(), NullLogger.Instance);
        return experiment.TrainAsync(context, CancellationToken.None).GetAwaiter().GetResult();
    }
}
