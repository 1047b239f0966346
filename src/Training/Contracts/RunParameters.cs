using System.Globalization;
using System.Text.Json;

namespace LayerLab.Training.Contracts;

/// <summary>
/// Validated parameter values of one run (long, double, bool or string), with typed getters for experiments.
/// Stored as JSON on the run row and carried whole inside the Hangfire job.
/// </summary>
public sealed class RunParameters
{
    private readonly Dictionary<string, object> _values;

    public RunParameters(IReadOnlyDictionary<string, object> values) =>
        _values = new Dictionary<string, object>(values, StringComparer.Ordinal);

    public IReadOnlyDictionary<string, object> Values => _values;

    public long GetInt(string name) => Convert.ToInt64(Get(name), CultureInfo.InvariantCulture);
    public double GetDouble(string name) => Convert.ToDouble(Get(name), CultureInfo.InvariantCulture);
    public bool GetBool(string name) => (bool)Get(name);
    public string GetString(string name) => Convert.ToString(Get(name), CultureInfo.InvariantCulture) ?? "";

    private object Get(string name) =>
        _values.TryGetValue(name, out var v) ? v : throw new KeyNotFoundException($"Parameter '{name}' is not set.");

    public string ToJson() => JsonSerializer.Serialize(_values);

    /// <summary>Every spec's default, with some values overridden (tests, benchmarks, presets).</summary>
    public static RunParameters DefaultsWith(IReadOnlyList<ParameterSpec> specs, params (string Name, object Value)[] overrides)
    {
        ArgumentNullException.ThrowIfNull(specs);
        ArgumentNullException.ThrowIfNull(overrides);
        var values = specs.ToDictionary(s => s.Name, s => s.Default, StringComparer.Ordinal);
        foreach (var (name, value) in overrides)
        {
            if (!values.ContainsKey(name)) throw new ArgumentException($"Unknown parameter '{name}'.", nameof(overrides));
            values[name] = value;
        }
        return new RunParameters(values);
    }

    /// <summary>Reads stored JSON back, typing each value by the experiment's specs.</summary>
    public static RunParameters FromJson(string json, IReadOnlyList<ParameterSpec> specs)
    {
        var raw = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json) ?? [];
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            if (!raw.TryGetValue(spec.Name, out var el)) { values[spec.Name] = spec.Default; continue; }
            values[spec.Name] = spec.Kind switch
            {
                ParameterKind.Integer => el.GetInt64(),
                ParameterKind.Real => el.GetDouble(),
                ParameterKind.Boolean => el.GetBoolean(),
                _ => el.GetString() ?? "",
            };
        }
        return new RunParameters(values);
    }
}
