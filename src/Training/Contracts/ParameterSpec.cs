using System.Globalization;

namespace LayerLab.Training.Contracts;

public enum ParameterKind { Integer, Real, Boolean, Choice }

/// <summary>
/// One knob of an experiment. The submit form, validation and leaderboard columns are generated from these,
/// so an experiment declares its knobs once and the UI follows.
/// </summary>
public sealed record ParameterSpec(
    string Name,
    ParameterKind Kind,
    object Default,
    string Help,
    double? Min = null,
    double? Max = null,
    IReadOnlyList<string>? Choices = null,
    bool LogScale = false)
{
    /// <summary>A rule across fields (e.g. heads must divide width), checked once every field parsed: gets all the
    /// run's values and returns this field's error, or null. The error is reported on this field, so a 400 names it.</summary>
    public Func<IReadOnlyDictionary<string, object>, string?>? Check { get; init; }

    /// <summary>What the knob means to views across experiments (see <see cref="ParameterRole"/>); set with
    /// <c>ParameterSpec.Integer(...) with { Role = ParameterRole.Layers }</c>.</summary>
    public ParameterRole Role { get; init; }

    public static ParameterSpec Integer(string name, long @default, long min, long max, string help) =>
        new(name, ParameterKind.Integer, @default, help, min, max);

    public static ParameterSpec Real(string name, double @default, double min, double max, string help, bool logScale = false) =>
        new(name, ParameterKind.Real, @default, help, min, max, LogScale: logScale);

    public static ParameterSpec Flag(string name, bool @default, string help) =>
        new(name, ParameterKind.Boolean, @default, help);

    public static ParameterSpec Choice(string name, string @default, IReadOnlyList<string> choices, string help) =>
        new(name, ParameterKind.Choice, @default, help, Choices: choices);

    /// <summary>The default rendered as text, the way the form shows it and <see cref="TryParse"/> reads it.</summary>
    public string DefaultText => Format(Default);

    public static string Format(object value) => value switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>Parses and range-checks one raw value. Returns null and an error message when it is not acceptable.</summary>
    public object? TryParse(string? raw, out string? error)
    {
        error = null;
        var text = raw?.Trim() ?? "";
        if (text.Length == 0) { error = $"{Name} is required."; return null; }
        if (text.Length > 200) { error = $"{Name} is too long."; return null; }
        switch (Kind)
        {
            case ParameterKind.Integer:
                if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l))
                { error = $"{Name} must be a whole number."; return null; }
                if (l < Min || l > Max) { error = $"{Name} must be between {Min} and {Max}."; return null; }
                return l;
            case ParameterKind.Real:
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d))
                { error = $"{Name} must be a finite number."; return null; }
                if (d < Min || d > Max)
                {
                    error = $"{Name} must be between {Format(Min!.Value)} and {Format(Max!.Value)}.";
                    return null;
                }
                return d;
            case ParameterKind.Boolean:
                if (!bool.TryParse(text, out var b)) { error = $"{Name} must be true or false."; return null; }
                return b;
            case ParameterKind.Choice:
                var match = Choices?.FirstOrDefault(c => string.Equals(c, text, StringComparison.OrdinalIgnoreCase));
                if (match is null) { error = $"{Name} must be one of: {string.Join(", ", Choices ?? [])}."; return null; }
                return match;
            default:
                error = $"{Name} has an unknown kind.";
                return null;
        }
    }
}
