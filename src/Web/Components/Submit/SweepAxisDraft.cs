using System.Globalization;
using LayerLab.Training.Contracts;
using LayerLab.Training.Sweeps;

namespace LayerLab.Web.Components.Submit;

/// <summary>What the form holds for one swept parameter: text fields, parsed into a <see cref="SweepAxis"/> on change.</summary>
public sealed class SweepAxisDraft
{
    public bool On { get; set; }
    public SweepMode Mode { get; set; } = SweepMode.List;
    /// <summary>List mode: values separated by commas.</summary>
    public string? Values { get; set; }
    public string? Start { get; set; }
    public string? Stop { get; set; }
    public string? Count { get; set; } = "3";
    public bool LogUniform { get; set; }

    /// <summary>A fresh draft that starts from the parameter's current value (list) or its range (numbers).</summary>
    public static SweepAxisDraft For(ParameterSpec spec, string? current)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var draft = new SweepAxisDraft { Values = spec.Kind switch
        {
            ParameterKind.Choice => string.Join(", ", spec.Choices ?? []),
            ParameterKind.Boolean => "true, false",
            _ => current,
        } };
        if (spec.Min is { } min && spec.Max is { } max)
        {
            draft.Start = ParameterSpec.Format(spec.Kind == ParameterKind.Integer ? (object)(long)min : min);
            draft.Stop = ParameterSpec.Format(spec.Kind == ParameterKind.Integer ? (object)(long)max : max);
            draft.LogUniform = spec.LogScale;
        }
        return draft;
    }

    /// <summary>The axis, or null and a message saying which field is wrong.</summary>
    public SweepAxis? ToAxis(string name, out string? error)
    {
        error = null;
        if (Mode == SweepMode.List)
        {
            var values = (Values ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            return new SweepAxis { Mode = SweepMode.List, Values = values };
        }
        if (!TryNumber(Start, out var start)) { error = $"{name}: start must be a number."; return null; }
        if (!TryNumber(Stop, out var stop)) { error = $"{name}: stop must be a number."; return null; }
        if (!int.TryParse(Count?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var count))
        { error = $"{name}: count must be a whole number."; return null; }
        return new SweepAxis { Mode = Mode, Start = start, Stop = stop, Count = count, LogUniform = LogUniform };
    }

    private static bool TryNumber(string? text, out double value) =>
        double.TryParse(text?.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
}
