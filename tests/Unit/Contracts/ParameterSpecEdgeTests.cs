using LayerLab.Training.Contracts;

namespace LayerLab.Tests.Unit.Contracts;

/// <summary>The exact bounds, messages and typed values of one knob's parsing (the 400 a submitter reads names the
/// field and carries the numbers), and the text form the submit form shows.</summary>
public sealed class ParameterSpecEdgeTests
{
    private static readonly ParameterSpec Trials = ParameterSpec.Integer("trials", 100, 1, 10_000, "Trials.");
    private static readonly ParameterSpec Lr = ParameterSpec.Real("lr", 0.01, 1e-6, 10, "Learning rate.", logScale: true);
    private static readonly ParameterSpec Coding = ParameterSpec.Choice("coding", "01", ["01", "pm1"], "Input coding.");
    private static readonly ParameterSpec Bias = ParameterSpec.Flag("bias", false, "Use a bias.");

    private static string? ErrorOf(ParameterSpec spec, string? raw)
    {
        spec.TryParse(raw, out var error);
        return error;
    }

    [Theory]
    [InlineData("0", "trials must be between 1 and 10000.")]
    [InlineData("10001", "trials must be between 1 and 10000.")]
    [InlineData("1.5", "trials must be a whole number.")]
    [InlineData("", "trials is required.")]
    [InlineData(null, "trials is required.")]
    public void Integer_errors_name_the_field_and_carry_the_bounds(string? raw, string message) =>
        Assert.Equal(message, ErrorOf(Trials, raw));

    [Theory]
    [InlineData("9.9999999e-7", "lr must be between 1e-06 and 10.")]
    [InlineData("10.000001", "lr must be between 1e-06 and 10.")]
    [InlineData("NaN", "lr must be a finite number.")]
    [InlineData("x", "lr must be a finite number.")]
    public void Real_errors_carry_the_bounds_as_the_form_writes_them(string raw, string message) =>
        Assert.Equal(message, ErrorOf(Lr, raw));

    [Fact]
    public void Flag_and_choice_errors_say_what_is_allowed()
    {
        Assert.Equal("bias must be true or false.", ErrorOf(Bias, "1"));
        Assert.Equal("coding must be one of: 01, pm1.", ErrorOf(Coding, "binary"));
        // A choice knob declared without choices accepts nothing (and says so rather than throwing).
        var bare = new ParameterSpec("mode", ParameterKind.Choice, "a", "Mode.");
        Assert.Null(bare.TryParse("a", out var error));
        Assert.Equal("mode must be one of: .", error);
    }

    [Fact]
    public void An_unknown_kind_is_an_error_not_a_value()
    {
        var odd = new ParameterSpec("odd", (ParameterKind)99, 0L, "Odd.");
        Assert.Null(odd.TryParse("1", out var error));
        Assert.Equal("odd has an unknown kind.", error);
    }

    [Fact]
    public void Two_hundred_characters_are_allowed_and_two_hundred_and_one_are_too_long()
    {
        var text = new string('0', 199) + "5";                 // leading zeros: still the whole number 5
        Assert.Equal(200, text.Length);
        Assert.Equal(5L, Trials.TryParse(text, out var error));
        Assert.Null(error);
        Assert.Null(Trials.TryParse("0" + text, out error));
        Assert.Equal("trials is too long.", error);
    }

    [Fact]
    public void Parsed_values_have_the_kinds_types_and_bounds_are_inclusive()
    {
        Assert.Equal(1L, Assert.IsType<long>(Trials.TryParse("1", out var e1)));
        Assert.Equal(10_000L, Assert.IsType<long>(Trials.TryParse("10000", out var e2)));
        Assert.Equal(1e-6, Assert.IsType<double>(Lr.TryParse("1e-6", out var e3)));
        Assert.Equal(10.0, Assert.IsType<double>(Lr.TryParse("10", out var e4)));
        Assert.True(Assert.IsType<bool>(Bias.TryParse("TRUE", out var e5)));
        Assert.Equal("pm1", Assert.IsType<string>(Coding.TryParse("PM1", out var e6)));
        Assert.All(new[] { e1, e2, e3, e4, e5, e6 }, Assert.Null);
    }

    [Fact]
    public void Factories_fill_kind_default_bounds_and_scale()
    {
        Assert.Equal(new ParameterSpec("trials", ParameterKind.Integer, 100L, "Trials.", 1, 10_000), Trials);
        Assert.Equal(ParameterKind.Real, Lr.Kind);
        Assert.Equal((1e-6, 10.0), (Lr.Min, Lr.Max));
        Assert.True(Lr.LogScale);
        Assert.False(ParameterSpec.Real("x", 1, 0, 2, "X.").LogScale);
        Assert.Equal((ParameterKind.Boolean, (object)false, (double?)null, (double?)null), (Bias.Kind, Bias.Default, Bias.Min, Bias.Max));
        Assert.Equal(ParameterKind.Choice, Coding.Kind);
        Assert.Equal(["01", "pm1"], Coding.Choices!);
        Assert.Equal("Input coding.", Coding.Help);
    }

    private sealed class NullText
    {
        public override string? ToString() => null;
    }

    [Fact]
    public void Values_are_written_the_way_they_are_read_back()
    {
        Assert.Equal("1e-06", ParameterSpec.Format(1e-6));
        Assert.Equal("0.01", ParameterSpec.Format(0.01));
        Assert.Equal("0.1", ParameterSpec.Format(0.1f));
        Assert.Equal("true", ParameterSpec.Format(true));
        Assert.Equal("false", ParameterSpec.Format(false));
        Assert.Equal("10000", ParameterSpec.Format(10_000L));
        Assert.Equal("pm1", ParameterSpec.Format("pm1"));
        Assert.Equal("", ParameterSpec.Format(new NullText()));
        Assert.Equal("0.01", Lr.DefaultText);
        Assert.Equal("100", Trials.DefaultText);
        Assert.Equal("false", Bias.DefaultText);
    }
}
