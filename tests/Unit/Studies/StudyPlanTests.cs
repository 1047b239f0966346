using LayerLab.Training.Experiments.IclLinReg;
using LayerLab.Training.Experiments.IclRetrieval;
using LayerLab.Training.Experiments.IclTaskCount;
using LayerLab.Training.Experiments.LinearPolicy;
using LayerLab.Training.Experiments.MarkovIcl;
using LayerLab.Training.Experiments.RefexCompose;
using LayerLab.Training.Experiments.TinyLm;
using LayerLab.Training.Experiments.WideAttention;
using LayerLab.Training.Experiments.WidthVsDepth;
using LayerLab.Training.Experiments.XorPrelu;
using LayerLab.Training.Studies;
using LayerLab.Training.Sweeps;

namespace LayerLab.Tests.Unit.Studies;

/// <summary>StudyPlan (overrides, the sweep, configurations, the estimate), SavedSweepStudy and StudentT's large-df
/// branch, on a small hand-made study so every number is known.</summary>
public sealed class StudyPlanTests
{
    /// <summary>2 × 3 configurations, one excluded; 3 seeds; 2 s per job, 5 s when epochs = 20.</summary>
    private static readonly StudyDefinition Study = new()
    {
        Key = "k",
        Title = "Small",
        Claim = "c",
        Thresholds = "t",
        Parameters = new Dictionary<string, string> { ["trials"] = "7" },
        Axes = [new StudyAxis("epochs", ["10", "20"]), new StudyAxis("lr_points", ["1", "2", "3"])],
        Exclude = [new Dictionary<string, string> { ["epochs"] = "20", ["lr_points"] = "3" }, new Dictionary<string, string>()],
        Seeds = 3,
        Figure = new StudyFigure("x", "y", "s"),
        SecondsPerJob = p => p["epochs"] == "20" ? 5 : 2,
        Observe = _ => [],
        Verdict = _ => StudyVerdict.Inconclusive(""),
    };

    [Fact]
    public void Configurations_are_the_axes_product_first_axis_slowest_without_the_excluded_and_an_empty_exclusion_excludes_nothing()
    {
        var configurations = StudyPlan.Configurations(Study).Select(c => $"{c["trials"]}/{c["epochs"]}/{c["lr_points"]}").ToList();
        Assert.Equal(["7/10/1", "7/10/2", "7/10/3", "7/20/1", "7/20/2"], configurations);
        Assert.Equal((5, 15), (Study.Configurations, Study.Runs));
    }

    [Fact]
    public void Estimate_is_one_job_per_configuration_when_seeds_are_batched_and_one_per_run_otherwise()
    {
        // xor-prelu batches seeds: 3 × 2 + 2 × 5 = 16 s; icl-linreg does not: three times that.
        Assert.Equal(16, StudyPlan.EstimatedSeconds(new XorPreluExperiment(), Study));
        Assert.Equal(48, StudyPlan.EstimatedSeconds(new IclLinRegExperiment(), Study));
        // One seed of a batched experiment is one job either way.
        Assert.Equal(16, StudyPlan.EstimatedSeconds(new XorPreluExperiment(), Study with { Seeds = 1 }));
        Assert.Equal(16, StudyPlan.EstimatedSeconds(new IclLinRegExperiment(), Study with { Seeds = 1 }));
    }

    [Fact]
    public void The_sweep_carries_the_title_base_values_axes_seeds_first_seed_and_exclusions()
    {
        var sweep = StudyPlan.ToSweep(new XorPreluExperiment(), Study, 42);
        Assert.Equal(("xor-prelu", "Study: Small", 3, 42L), (sweep.Experiment, sweep.Name, sweep.Seeds, sweep.Seed));
        Assert.Equal("7", sweep.Parameters["trials"]);
        Assert.Equal(["10", "20"], sweep.Sweep["epochs"].Values!);
        Assert.Equal(SweepMode.List, sweep.Sweep["lr_points"].Mode);
        Assert.Same(Study.Exclude, sweep.Exclude);
        Assert.Equal(1, StudyPlan.DefaultSeed);
    }

    [Fact]
    public void Overrides_apply_and_each_refusal_names_its_field_and_says_why()
    {
        var experiment = new XorPreluExperiment();
        var applied = StudyPlan.Apply(experiment, Study, new StudyOverrides
        {
            Parameters = new Dictionary<string, string> { ["trials"] = "9", ["lr_min"] = "0.01" },
            Axes = new Dictionary<string, IReadOnlyList<string>> { ["lr_points"] = ["4"] },
        }, out var none)!;
        Assert.Empty(none);
        Assert.Equal(("9", "0.01", 3, 2), (applied.Parameters["trials"], applied.Parameters["lr_min"], applied.Seeds, applied.Configurations));
        Assert.Equal(["4"], applied.Axes[1].Values);
        Assert.Equal("7", Study.Parameters["trials"]); // the declared study is untouched

        Assert.Null(StudyPlan.Apply(experiment, Study, new StudyOverrides
        {
            Parameters = new Dictionary<string, string> { ["nope"] = "1", ["epochs"] = "5" },
            Axes = new Dictionary<string, IReadOnlyList<string>> { ["trials"] = ["1"], ["lr_points"] = [] },
            Seeds = SweepExpansion.MaxSeeds + 1,
            Seed = -1,
        }, out var errors));
        Assert.Equal(new Dictionary<string, string>
        {
            ["overrides.nope"] = "Unknown parameter 'nope'.",
            ["overrides.epochs"] = "epochs is an axis of this study: give a list of values.",
            ["overrides.trials"] = "trials is not an axis of this study; a list is only allowed for an axis.",
            ["overrides.lr_points"] = "lr_points: give at least one value.",
            ["overrides.seeds"] = "seeds must be between 1 and 1000.",
            ["overrides.seed"] = "seed must be between 0 and 2147482647.",
        }, errors);
    }

    [Theory]
    [InlineData(1, 0L, true)]
    [InlineData(1000, 2147482647L, true)] // both ends inclusive
    [InlineData(0, 0L, false)]
    [InlineData(1001, 0L, false)]
    [InlineData(1, -1L, false)]
    [InlineData(1, 2147482648L, false)] // the last seed would pass MaxSeed
    public void Seed_count_and_first_seed_bounds_are_inclusive(int seeds, long seed, bool valid)
    {
        var applied = StudyPlan.Apply(new XorPreluExperiment(), Study, new StudyOverrides { Seeds = seeds, Seed = seed }, out var errors);
        Assert.Equal(valid, applied is not null);
        Assert.Equal(valid, errors.Count == 0);
        if (valid) Assert.Equal(seeds, applied!.Seeds);
    }

    [Fact]
    public void Catalog_finds_studies_by_key_and_experiments_without_studies_have_none()
    {
        Assert.Same(XorPreluStudies.SuccessVsLearningRate, StudyCatalog.Find(new XorPreluExperiment(), "success-vs-lr"));
        Assert.Null(StudyCatalog.Find(new XorPreluExperiment(), "nope"));
        Assert.Empty(StudyCatalog.Of(null));
        Assert.Null(StudyCatalog.Find(null, "success-vs-lr"));
    }

    [Theory]
    [InlineData(31, 2.039513446)] // exact t₀.₉₇₅ (mpmath, regularised incomplete beta solved for p = 0.025)
    [InlineData(40, 2.021075390)]
    [InlineData(50, 2.008559112)]
    [InlineData(100, 1.983971519)]
    [InlineData(1000, 1.962339081)]
    [InlineData(100_000, 1.959987708)]
    public void T_quantile_beyond_the_table_is_within_1e_4_of_the_exact_value(int df, double exact)
    {
        Assert.Equal(exact, StudentT.Quantile975(df), 1e-4);
    }

    [Fact]
    public void T_quantile_beyond_the_table_keeps_both_correction_terms()
    {
        // z + (z³ + z)/(4 df) + (5z⁵ + 16z³ + 3z)/(96 df²) at df = 31 (Abramowitz & Stegun 26.7.5, two terms):
        // dropping or altering either term moves it by 4e-5 or more.
        Assert.Equal(2.0394259062, StudentT.Quantile975(31), 1e-8);
    }

    [Fact]
    public void T_quantile_table_ends_and_bad_df()
    {
        Assert.Equal((12.706, 4.303, 2.042), (StudentT.Quantile975(1), StudentT.Quantile975(2), StudentT.Quantile975(30)));
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Quantile975(0));
    }

    [Fact]
    public void A_saved_sweep_has_the_users_figure_one_seed_and_no_verdict()
    {
        var study = SavedSweepStudy.Define("My sweep", new SavedFigure("lr", "loss", "width", LogX: true, LogY: true, Note: "look for a dip"),
            ["lr", "width"]);
        Assert.Equal(("saved-sweep", "My sweep", "look for a dip", false, 1, 1), (study.Key, study.Title, study.Claim, study.HasVerdict, study.Seeds, study.MinSeeds));
        Assert.Equal(new StudyFigure("lr", "loss", "width", true, true), study.Figure);
        Assert.Equal(["lr", "width"], study.Axes.Select(a => a.Parameter));
        Assert.All(study.Axes, a => Assert.Empty(a.Values));
        Assert.Equal(["loss"], study.TableMetrics);
        Assert.Equal(0, study.SecondsPerJob(new Dictionary<string, string>()));
        Assert.Equal(SavedSweepStudy.NoVerdict, study.Thresholds);
        Assert.StartsWith("None: this study was saved from a sweep", SavedSweepStudy.NoVerdict, StringComparison.Ordinal);
        var verdict = study.Verdict(StudyAggregation.Aggregate(study, []));
        Assert.Equal((StudyOutcome.Inconclusive, SavedSweepStudy.NoVerdict), (verdict.Outcome, verdict.Text));

        var plain = SavedSweepStudy.Define("t", new SavedFigure("lr", "loss"), []);
        Assert.Equal(("No claim stated (a sweep saved as a study).", "metric", false, false),
            (plain.Claim, plain.Figure.Series, plain.Figure.LogX, plain.Figure.LogY));
        Assert.Equal("No claim stated (a sweep saved as a study).", SavedSweepStudy.Define("t", new SavedFigure("lr", "loss", Note: " "), []).Claim);
        Assert.Throws<ArgumentNullException>(() => SavedSweepStudy.Define("t", null!, []));
        Assert.Throws<ArgumentNullException>(() => SavedSweepStudy.Define("t", new SavedFigure("lr", "loss"), null!));
    }

    [Fact]
    public void A_saved_sweep_plots_one_point_per_run_with_the_metric_and_a_numeric_x_split_by_the_series_parameter()
    {
        static StudyRun Run(string lr, string width, double? loss, StudyRunState state = StudyRunState.Succeeded) =>
            new(new Dictionary<string, string> { ["lr"] = lr, ["width"] = width }, 1, state,
                loss is { } l ? new Dictionary<string, double> { ["loss"] = l } : new Dictionary<string, double>());
        var split = SavedSweepStudy.Define("t", new SavedFigure("lr", "loss", "width"), ["lr", "width"]);
        Assert.Equal([new StudyObservation("width = 8", 1e-3, 0.5)], SavedSweepStudy.Observe(Run("1e-3", "8", 0.5), new SavedFigure("lr", "loss", "width")));
        var figure = new SavedFigure("lr", "loss");
        Assert.Equal([new StudyObservation("loss", 0.25, 2)], SavedSweepStudy.Observe(Run("0.25", "8", 2), figure));
        Assert.Empty(SavedSweepStudy.Observe(Run("0.25", "8", null), figure));     // no such metric
        Assert.Empty(SavedSweepStudy.Observe(Run("fast", "8", 2), figure));        // x not a number
        Assert.Empty(SavedSweepStudy.Observe(new StudyRun(new Dictionary<string, string> { ["lr"] = "1" }, 1, StudyRunState.Pending, null), figure));
        Assert.Throws<ArgumentNullException>(() => SavedSweepStudy.Observe(null!, figure).ToList());
        Assert.Throws<ArgumentNullException>(() => SavedSweepStudy.Observe(Run("1", "8", 1), null!).ToList());

        var results = StudyAggregation.Aggregate(split, [Run("0.1", "8", 1), Run("0.1", "8", 3), Run("0.1", "16", 5), Run("0.2", "8", 4)]);
        Assert.Equal(["width = 8", "width = 16"], results.Series.Select(s => s.Name));
        Assert.Equal((2.0, 2), (results.Point("width = 8", 0.1)!.Mean, results.Point("width = 8", 0.1)!.N));
    }

    /// <summary>Every public entry point refuses a null argument up front (not with a NullReferenceException halfway).</summary>
    public static TheoryData<string> NullCalls()
    {
        var data = new TheoryData<string>();
        foreach (var name in Nulls.Keys) data.Add(name);
        return data;
    }

    private static readonly StudyResults Empty = new([], 0, 0, 0, 0, 2);

    private static readonly Dictionary<string, Action> Nulls = new()
    {
        ["Apply experiment"] = () => StudyPlan.Apply(null!, Study, new StudyOverrides(), out _),
        ["Apply study"] = () => StudyPlan.Apply(new XorPreluExperiment(), null!, new StudyOverrides(), out _),
        ["Apply overrides"] = () => StudyPlan.Apply(new XorPreluExperiment(), Study, null!, out _),
        ["ToSweep experiment"] = () => StudyPlan.ToSweep(null!, Study, 1),
        ["ToSweep study"] = () => StudyPlan.ToSweep(new XorPreluExperiment(), null!, 1),
        ["EstimatedSeconds experiment"] = () => StudyPlan.EstimatedSeconds(null!, Study),
        ["EstimatedSeconds study"] = () => StudyPlan.EstimatedSeconds(new XorPreluExperiment(), null!),
        ["Configurations"] = () => StudyPlan.Configurations(null!),
        ["Aggregate study"] = () => StudyAggregation.Aggregate(null!, []),
        ["Aggregate runs"] = () => StudyAggregation.Aggregate(Study, null!),
        ["Clip point"] = () => StudyAggregation.Clip(null!, Study.Figure),
        ["Clip figure"] = () => StudyAggregation.Clip(new StudyPoint(1, 1, 1, 1, 1, [1]), null!),
        ["Summarize"] = () => StudyAggregation.Summarize(1, null!),
        ["LogLogSlope"] = () => StudyAggregation.LogLogSlope(null!),
        ["xor-prelu"] = () => XorPreluStudies.Verdict(null!),
        ["icl-linreg"] = () => IclLinRegStudies.Verdict(null!),
        ["icl-task-count tasks"] = () => IclTaskCountStudies.TasksVerdict(null!),
        ["icl-task-count mismatch"] = () => IclTaskCountStudies.MismatchVerdict(null!),
        ["markov-icl"] = () => MarkovIclStudies.Verdict(null!),
        ["refex-compose"] = () => RefexComposeStudies.Verdict(null!),
        ["icl-retrieval"] = () => IclRetrievalStudies.Verdict(null!),
        ["recall"] = () => RecallStudies.Verdict(null!),
        ["linear-policy"] = () => LinearPolicyStudies.Verdict(null!),
        ["width-vs-depth"] = () => WidthVsDepthStudies.Verdict(null!),
        ["wide-attention"] = () => WideAttentionStudies.Verdict(null!),
        ["tiny-lm results"] = () => TinyLmStudies.Verdict(null!, ["1 layer"]),
        ["tiny-lm series"] = () => TinyLmStudies.Verdict(Empty, null!),
    };

    /// <summary>The parameter blamed, where the call's key does not end in it.</summary>
    private static readonly Dictionary<string, string> ParamNames = new()
    {
        ["Configurations"] = "study", ["Summarize"] = "values", ["LogLogSlope"] = "points", ["Clip point"] = "point",
        ["Aggregate runs"] = "runs", ["tiny-lm series"] = "series", ["icl-task-count tasks"] = "results", ["icl-task-count mismatch"] = "results",
    };

    [Theory]
    [MemberData(nameof(NullCalls))]
    public void Null_arguments_are_refused_up_front(string call)
    {
        var thrown = Assert.Throws<ArgumentNullException>(Nulls[call]);
        Assert.Equal(ParamNames.GetValueOrDefault(call, call.Split(' ') is [_, var name] ? name : "results"), thrown.ParamName);
    }
}
