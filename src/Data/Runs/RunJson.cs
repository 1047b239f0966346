using System.Text.Json;

namespace LayerLab.Data.Runs;

/// <summary>
/// The run's JSON columns, read one way everywhere: parameters as stored (numbers stay numbers), parameters as text
/// (strings as they are, anything else as its JSON text, as the submit form and the diff table show them), and the
/// summary of final metrics (null until the run succeeded).
/// </summary>
public static class RunJson
{
    public static Dictionary<string, JsonElement> Parameters(this Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return ParametersOf(run.ParametersJson);
    }

    /// <summary>Parameters stored elsewhere in the same shape (leaderboard rows, sweep configurations).</summary>
    public static Dictionary<string, JsonElement> ParametersOf(string parametersJson) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(parametersJson) ?? [];

    public static Dictionary<string, string> ParameterTexts(this Run run) =>
        run.Parameters().ToDictionary(kv => kv.Key, kv => kv.Value.ValueKind == JsonValueKind.String ? kv.Value.GetString() ?? "" : kv.Value.GetRawText());

    public static Dictionary<string, double>? Summary(this Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.SummaryJson is null ? null : JsonSerializer.Deserialize<Dictionary<string, double>>(run.SummaryJson);
    }
}
