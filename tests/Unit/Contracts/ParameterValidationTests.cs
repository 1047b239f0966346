using LayerLab.Training.Contracts;

namespace LayerLab.Tests.Unit.Contracts;

public sealed class ParameterValidationTests
{
    private static readonly IReadOnlyList<ParameterSpec> Specs =
    [
        ParameterSpec.Integer("trials", 100, 1, 10_000, "Trials."),
        ParameterSpec.Real("lr", 0.01, 1e-6, 10, "Learning rate.", logScale: true),
        ParameterSpec.Choice("coding", "01", ["01", "pm1"], "Input coding."),
        ParameterSpec.Flag("bias", false, "Use a bias."),
    ];

    private static ParameterValidation.Result Validate(params (string Name, string? Value)[] raw) =>
        ParameterValidation.Validate(Specs, raw.ToDictionary(p => p.Name, p => p.Value));

    private static void AssertOnlyError(ParameterValidation.Result result, string field)
    {
        Assert.False(result.IsValid);
        Assert.Null(result.Parameters);                       // nothing partial
        Assert.Equal([field], result.Errors.Keys);
        Assert.Contains(field, result.Errors[field], StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_fields_take_their_defaults()
    {
        var result = Validate();
        Assert.True(result.IsValid);
        Assert.Equal(100, result.Parameters!.GetInt("trials"));
        Assert.Equal(0.01, result.Parameters.GetDouble("lr"));
        Assert.Equal("01", result.Parameters.GetString("coding"));
        Assert.False(result.Parameters.GetBool("bias"));
    }

    [Fact]
    public void Valid_values_are_parsed_with_the_invariant_culture_and_trimmed()
    {
        var result = Validate(("trials", " 250 "), ("lr", "1e-3"), ("bias", "True"));
        Assert.True(result.IsValid);
        Assert.Equal(250, result.Parameters!.GetInt("trials"));
        Assert.Equal(1e-3, result.Parameters.GetDouble("lr"));
        Assert.True(result.Parameters.GetBool("bias"));
        Assert.Equal("01", result.Parameters.GetString("coding"));
    }

    [Theory]
    [InlineData("trials", "0")]
    [InlineData("trials", "10001")]
    [InlineData("trials", "-5")]
    [InlineData("lr", "0")]
    [InlineData("lr", "11")]
    [InlineData("lr", "-0.01")]
    [InlineData("lr", "1e308")]
    public void Out_of_range_values_are_field_errors(string field, string value) =>
        AssertOnlyError(Validate((field, value)), field);

    [Theory]
    [InlineData("trials", "abc")]
    [InlineData("trials", "1.5")]
    [InlineData("trials", "99999999999999999999999")]
    [InlineData("lr", "0,01")]
    [InlineData("lr", "ten")]
    [InlineData("bias", "yes")]
    [InlineData("coding", "binary")]
    [InlineData("trials", "")]
    [InlineData("trials", "   ")]
    [InlineData("trials", null)]
    public void Malformed_or_empty_values_are_field_errors(string field, string? value) =>
        AssertOnlyError(Validate((field, value)), field);

    [Theory]
    [InlineData("NaN")]
    [InlineData("nan")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("∞")]
    public void Non_finite_reals_are_rejected(string value) => AssertOnlyError(Validate(("lr", value)), "lr");

    [Fact]
    public void Oversized_strings_are_rejected()
    {
        AssertOnlyError(Validate(("coding", new string('x', 1_000_000))), "coding");
        AssertOnlyError(Validate(("trials", new string('1', 201))), "trials");
    }

    [Fact]
    public void Unknown_fields_are_errors_and_nothing_is_returned()
    {
        var result = Validate(("trials", "5"), ("epochs_typo", "300"));
        AssertOnlyError(result, "epochs_typo");
    }

    [Fact]
    public void Field_names_are_case_sensitive()
    {
        var result = Validate(("Trials", "5"));
        AssertOnlyError(result, "Trials");
    }

    [Fact]
    public void Every_bad_field_is_reported_at_once()
    {
        var result = Validate(("trials", "0"), ("lr", "NaN"), ("coding", "x"), ("bogus", "1"));
        Assert.Null(result.Parameters);
        Assert.Equal(["bogus", "coding", "lr", "trials"], result.Errors.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("PM1")]
    [InlineData("Pm1")]
    [InlineData(" pm1 ")]
    public void Choices_match_case_insensitively_and_come_back_canonical(string value)
    {
        var result = Validate(("coding", value));
        Assert.True(result.IsValid);
        Assert.Equal("pm1", result.Parameters!.GetString("coding"));
    }

    [Fact]
    public void Range_ends_are_inclusive()
    {
        Assert.True(Validate(("trials", "1"), ("lr", "1e-6")).IsValid);
        Assert.True(Validate(("trials", "10000"), ("lr", "10")).IsValid);
    }

    [Fact]
    public void Validated_parameters_survive_a_json_round_trip_typed_by_the_specs()
    {
        var result = Validate(("trials", "7"), ("lr", "0.5"), ("coding", "PM1"), ("bias", "true"));
        var back = RunParameters.FromJson(result.Parameters!.ToJson(), Specs);
        Assert.Equal(7, back.GetInt("trials"));
        Assert.Equal(0.5, back.GetDouble("lr"));
        Assert.Equal("pm1", back.GetString("coding"));
        Assert.True(back.GetBool("bias"));
    }
}
