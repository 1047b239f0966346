using LayerLab.Training.Contracts;

namespace LayerLab.Tests.Unit.Contracts;

/// <summary>Rules across fields (<see cref="ParameterSpec.Check"/>) and the typed run parameters that come out.</summary>
public sealed class ParameterCheckTests
{
    // heads must divide width: the error is reported on heads, so a 400 blames the field a person should change.
    private static readonly IReadOnlyList<ParameterSpec> Specs =
    [
        ParameterSpec.Integer("width", 8, 1, 64, "Width."),
        ParameterSpec.Integer("heads", 2, 1, 8, "Heads.") with
        {
            Check = v => (long)v["width"] % (long)v["heads"] == 0 ? null : $"heads must divide width ({v["width"]}).",
        },
        ParameterSpec.Choice("coding", "01", ["01", "pm1"], "Coding."),
    ];

    private static ParameterValidation.Result Validate(params (string Name, string? Value)[] raw) =>
        ParameterValidation.Validate(Specs, raw.ToDictionary(p => p.Name, p => p.Value));

    [Fact]
    public void A_cross_field_rule_blames_its_own_field_and_sees_defaults()
    {
        var result = Validate(("heads", "3"));                  // width stays its default 8
        Assert.False(result.IsValid);
        Assert.Null(result.Parameters);
        Assert.Equal(["heads"], result.Errors.Keys);
        Assert.Equal("heads must divide width (8).", result.Errors["heads"]);
        Assert.True(Validate(("heads", "4")).IsValid);
    }

    [Fact]
    public void Cross_field_rules_wait_until_every_field_parsed()
    {
        // coding is bad and heads does not divide width: only the parse error is reported (the rule would read
        // half-validated values otherwise).
        var result = Validate(("heads", "3"), ("coding", "x"));
        Assert.Equal(["coding"], result.Errors.Keys);
    }

    [Fact]
    public void A_valid_result_carries_every_value_typed()
    {
        var result = Validate(("width", "12"), ("heads", "4"));
        Assert.True(result.IsValid);
        Assert.Empty(result.Errors);
        Assert.Equal(12L, result.Parameters!.Values["width"]);
        Assert.Equal(4L, result.Parameters.Values["heads"]);
        Assert.Equal("01", result.Parameters.Values["coding"]);
    }

    [Fact]
    public void Getters_convert_and_a_missing_name_says_which()
    {
        var p = new RunParameters(new Dictionary<string, object> { ["n"] = 3L, ["lr"] = 0.5, ["on"] = true, ["s"] = "pm1", ["i"] = 7 });
        Assert.Equal(3L, p.GetInt("n"));
        Assert.Equal(7L, p.GetInt("i"));
        Assert.Equal(3.0, p.GetDouble("n"));
        Assert.Equal(0.5, p.GetDouble("lr"));
        Assert.True(p.GetBool("on"));
        Assert.Equal("pm1", p.GetString("s"));
        Assert.Equal("3", p.GetString("n"));
        var ex = Assert.Throws<KeyNotFoundException>(() => p.GetInt("N"));  // names are case-sensitive
        Assert.Equal("Parameter 'N' is not set.", ex.Message);
        Assert.Equal("{\"n\":3,\"lr\":0.5,\"on\":true,\"s\":\"pm1\",\"i\":7}", p.ToJson());
    }

    [Fact]
    public void Defaults_with_overrides_replace_only_the_named_values()
    {
        var p = RunParameters.DefaultsWith(Specs, ("heads", 4L));
        Assert.Equal(8L, p.GetInt("width"));
        Assert.Equal(4L, p.GetInt("heads"));
        Assert.Equal("01", p.GetString("coding"));
        Assert.Equal(3, p.Values.Count);
        var ex = Assert.Throws<ArgumentException>(() => RunParameters.DefaultsWith(Specs, ("Heads", 4L)));
        Assert.Equal("overrides", ex.ParamName);
        Assert.StartsWith("Unknown parameter 'Heads'.", ex.Message, StringComparison.Ordinal);
        Assert.Equal("specs", Assert.Throws<ArgumentNullException>(() => RunParameters.DefaultsWith(null!)).ParamName);
        Assert.Equal("overrides", Assert.Throws<ArgumentNullException>(() => RunParameters.DefaultsWith(Specs, null!)).ParamName);
    }

    [Fact]
    public void Stored_json_is_typed_by_the_specs_and_missing_values_take_defaults()
    {
        IReadOnlyList<ParameterSpec> specs =
        [
            ParameterSpec.Integer("n", 5, 1, 9, "N."),
            ParameterSpec.Real("lr", 0.1, 0, 1, "Lr."),
            ParameterSpec.Flag("on", true, "On."),
            ParameterSpec.Choice("c", "a", ["a", "b"], "C."),
        ];
        var p = RunParameters.FromJson("{\"n\":2,\"lr\":1,\"on\":false,\"c\":\"b\",\"gone\":1}", specs);
        Assert.Equal(2L, Assert.IsType<long>(p.Values["n"]));
        Assert.Equal(1.0, Assert.IsType<double>(p.Values["lr"]));
        Assert.False(Assert.IsType<bool>(p.Values["on"]));
        Assert.Equal("b", p.Values["c"]);
        Assert.Equal(4, p.Values.Count);                          // a value no spec declares is dropped

        var defaults = RunParameters.FromJson("null", specs);
        Assert.Equal(5L, defaults.GetInt("n"));
        Assert.True(defaults.GetBool("on"));
        Assert.Equal("", RunParameters.FromJson("{\"c\":null}", specs).GetString("c"));
        Assert.Equal(0.1, RunParameters.FromJson("{}", specs).GetDouble("lr"));
    }
}
