using LayerLab.Training.Contracts;
using LayerLab.Training.Sweeps;

namespace LayerLab.Tests.Unit.Sweeps;

public sealed class SweepExpansionTests
{
    /// <summary>A stand-in experiment: only its specs matter to expansion (no training happens here).</summary>
    private sealed class SpecsOnly : IExperiment
    {
        public string Key => "specs-only";
        public string Title => "Specs only";
        public string Paper => "";
        public string PaperUrl => "";
        public string Claim => "";
        public IReadOnlyList<ParameterSpec> Parameters { get; } =
        [
            ParameterSpec.Integer("layers", 1, 1, 8, "Layers."),
            ParameterSpec.Real("lr", 0.01, 1e-6, 10, "Learning rate.", logScale: true),
            ParameterSpec.Real("dropout", 0, 0, 1, "Dropout."),
            ParameterSpec.Choice("optimizer", "adam", ["adam", "sgd"], "Optimizer."),
            ParameterSpec.Flag("bias", false, "Bias."),
        ];
        public IReadOnlyList<MetricDefinition> Metrics => [];
        public string PrimaryMetric => "loss";
        public Task<RunResult> TrainAsync(RunContext context, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private static readonly SpecsOnly Experiment = new();

    private static SweepExpansionResult Expand(Dictionary<string, SweepAxis> sweep, int seeds = 1, long seed = 7, int cap = 1000,
        Dictionary<string, string?>? parameters = null) =>
        SweepExpansion.Expand(Experiment, new SweepDefinition
        {
            Experiment = Experiment.Key, Sweep = sweep, Seeds = seeds, Parameters = parameters ?? [],
        }, seed, cap);

    private static List<double> Doubles(SweepExpansionResult result, string name) =>
        result.Runs.Select(r => r.Parameters.GetDouble(name)).Distinct().ToList();

    [Fact]
    public void Grid_is_the_cartesian_product_times_seeds_first_axis_slowest()
    {
        var result = Expand(new()
        {
            ["optimizer"] = SweepAxis.List("adam", "sgd"),
            ["layers"] = SweepAxis.List("1", "2", "3"),
        }, seeds: 2, seed: 10);

        Assert.True(result.IsValid);
        Assert.Equal(6, result.Configurations);
        Assert.Equal(12, result.RunCount);
        Assert.Equal(12, result.Runs.Count);
        Assert.Equal(
            ["adam/1", "adam/1", "adam/2", "adam/2", "adam/3", "adam/3", "sgd/1", "sgd/1", "sgd/2", "sgd/2", "sgd/3", "sgd/3"],
            result.Runs.Select(r => $"{r.Parameters.GetString("optimizer")}/{r.Parameters.GetInt("layers")}"));
        // Every configuration trains with the same seeds, starting at the sweep's seed.
        Assert.All(result.Runs.Chunk(2), pair => Assert.Equal([10L, 11L], pair.Select(r => r.Seed)));
        Assert.Equal(Enumerable.Range(0, 6), result.Runs.Select(r => r.Configuration).Distinct());
        // Unswept parameters keep their defaults.
        Assert.All(result.Runs, r => Assert.Equal(0.01, r.Parameters.GetDouble("lr")));
    }

    [Fact]
    public void Base_parameters_apply_to_every_run_and_swept_values_override_them()
    {
        var result = Expand(new() { ["lr"] = SweepAxis.List("0.1", "0.2") }, parameters: new() { ["lr"] = "5", ["layers"] = "4" });
        Assert.True(result.IsValid);
        Assert.Equal([0.1, 0.2], Doubles(result, "lr"));
        Assert.All(result.Runs, r => Assert.Equal(4, r.Parameters.GetInt("layers")));
    }

    [Fact]
    public void Linear_range_gives_exact_evenly_spaced_values_with_both_ends()
    {
        var result = Expand(new() { ["dropout"] = SweepAxis.Linear(0, 1, 11) });
        Assert.Equal([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1], Doubles(result, "dropout"));
    }

    [Fact]
    public void Log_range_gives_exact_powers()
    {
        var result = Expand(new() { ["lr"] = SweepAxis.Log(1e-4, 1, 5) });
        Assert.Equal([1e-4, 1e-3, 1e-2, 1e-1, 1], Doubles(result, "lr"));
        var halves = Expand(new() { ["lr"] = SweepAxis.Log(1e-3, 1e-1, 5) });
        Assert.Equal([1e-3, 0.00316227766017, 1e-2, 0.0316227766017, 1e-1], Doubles(halves, "lr"));
    }

    [Fact]
    public void A_range_of_one_is_its_start()
    {
        Assert.Equal([0.5], Doubles(Expand(new() { ["lr"] = SweepAxis.Log(0.5, 2, 1) }), "lr"));
    }

    [Fact]
    public void Integer_parameters_round_and_drop_duplicates()
    {
        var linear = Expand(new() { ["layers"] = SweepAxis.Linear(1, 3, 5) });        // 1, 1.5, 2, 2.5, 3
        Assert.Equal([1L, 2L, 3L], linear.Runs.Select(r => r.Parameters.GetInt("layers")));
        Assert.Equal(3, linear.Configurations);
        var log = Expand(new() { ["layers"] = SweepAxis.Log(1, 8, 4) });               // 1, 2, 4, 8
        Assert.Equal([1L, 2L, 4L, 8L], log.Runs.Select(r => r.Parameters.GetInt("layers")));
    }

    [Fact]
    public void Integer_parameters_round_to_the_nearest_whole_number_not_down()
    {
        // 1.6 and 3.6 round to 2 and 4; truncating would give 1 and 3.
        var result = Expand(new() { ["layers"] = SweepAxis.Linear(1.6, 3.6, 2) });
        Assert.True(result.IsValid);
        Assert.Equal([2L, 4L], result.Runs.Select(r => r.Parameters.GetInt("layers")));
        // Random draws on an integer parameter round the same way: 1.6…1.9 all become 2, never 1.
        var draws = Expand(new() { ["layers"] = SweepAxis.Random(1.6, 1.9, 5) });
        Assert.Equal([2L], draws.Runs.Select(r => r.Parameters.GetInt("layers")));
    }

    [Fact]
    public void Values_that_parse_alike_are_one_configuration()
    {
        var result = Expand(new() { ["optimizer"] = SweepAxis.List("adam", "ADAM", "sgd"), ["lr"] = SweepAxis.List("0.1", "0.10") }, seeds: 2);
        Assert.True(result.IsValid);
        Assert.Equal(2, result.Configurations);
        Assert.Equal(4, result.RunCount);
        Assert.Equal(["adam", "sgd"], result.Runs.Select(r => r.Parameters.GetString("optimizer")).Distinct());
    }

    [Fact]
    public void Random_draws_are_reproducible_by_seed_and_in_range()
    {
        var a = Expand(new() { ["lr"] = SweepAxis.Random(1e-4, 1e-1, 20, logUniform: true), ["dropout"] = SweepAxis.Random(0.1, 0.5, 3) }, seed: 42);
        var b = Expand(new() { ["dropout"] = SweepAxis.Random(0.1, 0.5, 3), ["lr"] = SweepAxis.Random(1e-4, 1e-1, 20, logUniform: true) }, seed: 42);
        var c = Expand(new() { ["lr"] = SweepAxis.Random(1e-4, 1e-1, 20, logUniform: true), ["dropout"] = SweepAxis.Random(0.1, 0.5, 3) }, seed: 43);

        Assert.True(a.IsValid);
        Assert.Equal(60, a.RunCount);
        var lrs = Doubles(a, "lr");
        Assert.Equal(20, lrs.Count);
        Assert.All(lrs, v => Assert.InRange(v, 1e-4, 1e-1));
        Assert.All(Doubles(a, "dropout"), v => Assert.InRange(v, 0.1, 0.5));
        // Same seed: same draws, whatever the order the parameters are listed in; another seed: other draws.
        Assert.Equal(lrs.Order(), Doubles(b, "lr").Order());
        Assert.Equal(Doubles(a, "dropout").Order(), Doubles(b, "dropout").Order());
        Assert.NotEqual(lrs, Doubles(c, "lr"));
        // Log-uniform: draws spread over the decades, not bunched in the top one.
        Assert.Contains(lrs, v => v < 1e-2);
    }

    [Fact]
    public void Random_integer_draws_round_into_range_without_repeats()
    {
        var result = Expand(new() { ["layers"] = SweepAxis.Random(1, 8, 50) });
        var layers = result.Runs.Select(r => r.Parameters.GetInt("layers")).ToList();
        Assert.Equal(layers.Distinct().Count(), layers.Count);
        Assert.All(layers, v => Assert.InRange(v, 1, 8));
    }

    [Fact]
    public void Over_the_cap_is_refused_with_the_count_and_the_cap()
    {
        var result = Expand(new() { ["lr"] = SweepAxis.Log(1e-5, 1, 30), ["dropout"] = SweepAxis.Linear(0, 1, 20) }, seeds: 5, cap: 1000);
        Assert.False(result.IsValid);
        Assert.Empty(result.Runs);
        Assert.Equal(3000, result.RunCount);
        Assert.Equal("This sweep makes 3,000 runs (600 configurations × 5 seeds); the cap is 1,000 runs per sweep.", result.Errors["sweep"]);
        Assert.Equal(600, result.Configurations);
        // Exactly at the cap is allowed.
        Assert.True(Expand(new() { ["dropout"] = SweepAxis.Linear(0, 1, 100) }, seeds: 10, cap: 1000).IsValid);
    }

    [Fact]
    public void One_run_over_the_cap_is_refused_with_the_count_in_the_message()
    {
        // 11 seeds of one configuration: the axes are within the cap, only the run count is over it, by one.
        var overBySeeds = Expand([], seeds: 11, cap: 10);
        Assert.False(overBySeeds.IsValid);
        Assert.Empty(overBySeeds.Runs);
        Assert.Equal(11, overBySeeds.RunCount);
        Assert.Contains("11 runs", overBySeeds.Errors["sweep"], StringComparison.Ordinal);
        Assert.Contains("the cap is 10 runs", overBySeeds.Errors["sweep"], StringComparison.Ordinal);
        // 16 configurations (one seed each) at a cap of 15, no single axis over the cap: refused too.
        var overByConfigurations = Expand(new() { ["layers"] = SweepAxis.List("1", "2", "3", "4", "5", "6", "7", "8"), ["bias"] = SweepAxis.List("true", "false") }, cap: 15);
        Assert.False(overByConfigurations.IsValid);
        Assert.Contains("16 runs", overByConfigurations.Errors["sweep"], StringComparison.Ordinal);
        Assert.Contains("the cap is 15 runs", overByConfigurations.Errors["sweep"], StringComparison.Ordinal);
        // The cap itself is allowed: 10 seeds at a cap of 10, 15 configurations at a cap of 15.
        var atCap = Expand([], seeds: 10, cap: 10);
        Assert.True(atCap.IsValid);
        Assert.Equal(10, atCap.Runs.Count);
        var configurationsAtCap = Expand(new() { ["layers"] = SweepAxis.Linear(1, 5, 5), ["dropout"] = SweepAxis.List("0", "0.5", "1") }, cap: 15);
        Assert.True(configurationsAtCap.IsValid);
        Assert.Equal(15, configurationsAtCap.Configurations);
    }

    [Fact]
    public void An_absurd_count_on_one_axis_is_refused_before_anything_is_built()
    {
        var result = Expand(new() { ["dropout"] = SweepAxis.Linear(0, 1, 2_000_000_000) });
        Assert.False(result.IsValid);
        Assert.Contains("dropout", result.Errors["sweep.dropout"], StringComparison.Ordinal);
    }

    [Fact]
    public void Values_out_of_the_specs_range_name_the_parameter_and_value()
    {
        var result = Expand(new() { ["lr"] = SweepAxis.List("0.1", "100") });
        Assert.False(result.IsValid);
        Assert.Empty(result.Runs);
        Assert.Equal("lr must be between 1e-06 and 10. (value 100)", result.Errors["sweep.lr"]);

        var baseError = Expand(new() { ["lr"] = SweepAxis.List("0.1") }, parameters: new() { ["layers"] = "99" });
        Assert.Equal(["parameters.layers"], baseError.Errors.Keys);
    }

    [Theory]
    [InlineData("nope", SweepMode.List, "Unknown parameter 'nope'.")]
    [InlineData("optimizer", SweepMode.Linear, "optimizer is choice: sweep it with a list of values.")]
    [InlineData("lr", SweepMode.Log, "lr: a log range needs start and stop above 0.")]
    public void Bad_specs_are_errors_on_the_swept_field(string name, SweepMode mode, string message)
    {
        var axis = mode == SweepMode.List ? SweepAxis.List("1") : new SweepAxis { Mode = mode, Start = mode == SweepMode.Log ? 0 : 1, Stop = 2, Count = 3 };
        var result = Expand(new() { [name] = axis });
        Assert.Equal(message, result.Errors[$"sweep.{name}"]);
    }

    [Fact]
    public void Empty_lists_missing_counts_and_bad_seed_counts_are_errors()
    {
        Assert.Contains("at least one value", Expand(new() { ["lr"] = new SweepAxis { Mode = SweepMode.List } }).Errors["sweep.lr"], StringComparison.Ordinal);
        Assert.Contains("count", Expand(new() { ["lr"] = new SweepAxis { Mode = SweepMode.Linear, Start = 0.1, Stop = 1 } }).Errors["sweep.lr"], StringComparison.Ordinal);
        Assert.Contains("low ≤ high", Expand(new() { ["lr"] = SweepAxis.Random(1, 0.1, 3) }).Errors["sweep.lr"], StringComparison.Ordinal);
        Assert.Equal("seeds must be between 1 and 1000.", Expand([], seeds: 0).Errors["seeds"]);
    }

    [Fact]
    public void No_swept_parameter_is_one_configuration_with_its_seeds()
    {
        var result = Expand([], seeds: 3);
        Assert.Equal(1, result.Configurations);
        Assert.Equal(3, result.Runs.Count);
    }

    // The edges below are the mutants Stryker left alive in src/Training/Sweeps (docs/testing.md).

    [Fact]
    public void Null_arguments_throw_argument_null()
    {
        var spec = Experiment.Parameters[0];
        Assert.Throws<ArgumentNullException>(() => SweepAxisValues.Values(null!, SweepAxis.List("1"), 1, 10, out _));
        Assert.Throws<ArgumentNullException>(() => SweepAxisValues.Values(spec, null!, 1, 10, out _));
        Assert.Throws<ArgumentNullException>(() => SweepAxisValues.StableSeed(1, null!));
        Assert.Throws<ArgumentNullException>(() => SweepExpansion.Expand(null!, new SweepDefinition { Experiment = "x" }, 1, 10));
        Assert.Throws<ArgumentNullException>(() => SweepExpansion.Expand(Experiment, null!, 1, 10));
    }

    [Fact]
    public void A_list_or_a_count_of_exactly_the_cap_is_allowed_and_one_more_is_refused_with_the_numbers()
    {
        string[] ten = ["0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9"];
        Assert.Equal(10, Expand(new() { ["dropout"] = SweepAxis.List(ten) }, cap: 10).Runs.Count);
        Assert.Equal("dropout: 11 values is more than the cap of 10.",
            Expand(new() { ["dropout"] = SweepAxis.List([.. ten, "1"]) }, cap: 10).Errors["sweep.dropout"]);
        Assert.Equal(10, Expand(new() { ["dropout"] = SweepAxis.Linear(0, 1, 10) }, cap: 10).Runs.Count);
        Assert.Equal("dropout: count 11 is more than the cap of 10.",
            Expand(new() { ["dropout"] = SweepAxis.Linear(0, 1, 11) }, cap: 10).Errors["sweep.dropout"]);
        Assert.Equal("dropout: count must be at least 1.", Expand(new() { ["dropout"] = SweepAxis.Linear(0, 1, 0) }).Errors["sweep.dropout"]);
        Assert.Equal("dropout: the sweep is empty.", Expand(new() { ["dropout"] = null! }).Errors["sweep.dropout"]);
    }

    [Fact]
    public void Seed_counts_and_sweep_seeds_are_inclusive_at_both_ends_and_seeds_wrap_past_the_largest()
    {
        Assert.Equal(1000, Expand([], seeds: 1000, cap: 1000).Runs.Count);
        Assert.Equal("seeds must be between 1 and 1000.", Expand([], seeds: 1001, cap: 5000).Errors["seeds"]);
        Assert.Equal([0L, 1L], Expand([], seeds: 2, seed: 0).Runs.Select(r => r.Seed));
        // The last seeds of a sweep that starts at the largest seed wrap around to 0, 1, …
        Assert.Equal([SweepExpansion.MaxSeed, 0L, 1L], Expand([], seeds: 3, seed: SweepExpansion.MaxSeed).Runs.Select(r => r.Seed));
        var message = $"seed must be between 0 and {SweepExpansion.MaxSeed}.";
        Assert.Equal(message, Expand([], seed: -1).Errors["seed"]);
        Assert.Equal(message, Expand([], seed: SweepExpansion.MaxSeed + 1).Errors["seed"]);
    }

    [Fact]
    public void Range_endpoints_are_kept_exactly_and_the_points_between_are_cleaned()
    {
        // More than 12 significant digits: the ends are the values given, the middle is rounded to 12 digits.
        var result = Expand(new() { ["dropout"] = SweepAxis.Linear(0.123456789012345, 0.987654321098765, 3) });
        Assert.Equal([0.123456789012345, 0.555555555056, 0.987654321098765], Doubles(result, "dropout"));
        // A range of one point, a random range with low = high, and a log range that ends at 0 (refused).
        Assert.Equal([0.3], Doubles(Expand(new() { ["dropout"] = SweepAxis.Random(0.3, 0.3, 1) }), "dropout"));
        Assert.Equal("lr: a log range needs start and stop above 0.", Expand(new() { ["lr"] = SweepAxis.Log(1, 0, 3) }).Errors["sweep.lr"]);
    }

    [Fact]
    public void Uniform_draws_fill_the_range_evenly_and_log_uniform_draws_fill_every_decade()
    {
        // Uniform from 0 (a log draw could not start there): each fifth of [0, 1] gets its share of 200 draws.
        var uniform = Doubles(Expand(new() { ["dropout"] = SweepAxis.Random(0, 1, 200) }, seed: 3), "dropout");
        Assert.Equal(200, uniform.Count);
        for (var k = 0; k < 5; k++) Assert.InRange(uniform.Count(v => v >= k * 0.2 && v < (k + 1) * 0.2), 20, 60);
        // Log-uniform over three decades: about a third in each (uniform draws would put 1 % in the lowest).
        var log = Doubles(Expand(new() { ["lr"] = SweepAxis.Random(1e-4, 1e-1, 200, logUniform: true) }, seed: 3), "lr");
        Assert.Equal(200, log.Count);
        Assert.All(log, v => Assert.InRange(v, 1e-4, 1e-1));
        for (var d = -4; d < -1; d++) Assert.InRange(log.Count(v => v >= Math.Pow(10, d) && v < Math.Pow(10, d + 1)), 40, 95);
        Assert.Equal("lr: random draws needs start and stop above 0.",
            Expand(new() { ["lr"] = SweepAxis.Random(0, 1e-1, 3, logUniform: true) }).Errors["sweep.lr"]);
    }

    [Fact]
    public void Stable_seeds_are_fixed_numbers_so_a_sweep_draws_the_same_values_in_every_version()
    {
        // FNV-1a of the name over the sweep seed, high half folded into the low (values from an independent Python
        // implementation of the same formula).
        Assert.Equal(1016847478, SweepAxisValues.StableSeed(42, "lr"));
        Assert.Equal(1754830914, SweepAxisValues.StableSeed(42, "dropout"));
        Assert.Equal(1975095504, SweepAxisValues.StableSeed(7, "layers"));
    }

    [Fact]
    public void An_invalid_value_is_blamed_on_its_own_axis_or_on_the_base_parameters()
    {
        var swept = Expand(new() { ["dropout"] = SweepAxis.List("0", "0.5"), ["layers"] = SweepAxis.List("1", "99") });
        Assert.Equal(["sweep.layers"], swept.Errors.Keys);
        Assert.EndsWith("(value 99)", swept.Errors["sweep.layers"], StringComparison.Ordinal);
        var fromBase = Expand(new() { ["dropout"] = SweepAxis.List("0") }, parameters: new() { ["layers"] = "99" });
        Assert.Equal(["parameters.layers"], fromBase.Errors.Keys);
        Assert.DoesNotContain("(value", fromBase.Errors["parameters.layers"], StringComparison.Ordinal);
        // List values are trimmed.
        Assert.Equal(["sgd", "adam"], Expand(new() { ["optimizer"] = SweepAxis.List(" sgd", "adam ") }).Runs.Select(r => r.Parameters.GetString("optimizer")));
    }

    [Fact]
    public void Ranges_need_finite_ends_and_a_known_mode()
    {
        Assert.Equal("dropout: a linear range needs a finite start and stop.",
            Expand(new() { ["dropout"] = SweepAxis.Linear(double.NaN, 1, 3) }).Errors["sweep.dropout"]);
        var spec = Experiment.Parameters.Single(p => p.Name == "dropout");
        var unknown = Assert.Throws<ArgumentOutOfRangeException>(() =>
            SweepAxisValues.Values(spec, new SweepAxis { Mode = (SweepMode)99, Start = 0, Stop = 1, Count = 2 }, 1, 10, out _));
        Assert.StartsWith("Unknown sweep mode.", unknown.Message, StringComparison.Ordinal);
    }
}
