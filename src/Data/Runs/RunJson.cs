using System.Text.Json;

namespace LayerLab.Data.Runs;

/// <summary>
/// The run's JSON columns, read one way everywhere: parameters as stored (numbers stay numbers), parameters as text
/// (strings as they are, anything else as its JSON text, as the submit form, the diff table and MLflow show them),
/// the summary of final metrics (null until the run succeeded) and the exact reference values.
/// A column that is empty or not the JSON shape it should be reads as empty (null for the summary) instead of throwing:
/// our writers always store valid JSON, so only a hand-edited database gets here, and its pages should still open.
/// </summary>
public static class RunJson
{
    public static Dictionary<string, JsonElement> Parameters(this Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return ParametersOf(run.ParametersJson);
    }

    /// <summary>Parameters stored elsewhere in the same shape (leaderboard rows, sweep configurations).</summary>
    public static Dictionary<string, JsonElement> ParametersOf(string? parametersJson) =>
        Read<Dictionary<string, JsonElement>>(parametersJson) ?? [];

    public static Dictionary<string, string> ParameterTexts(this Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return ParameterTextsOf(run.ParametersJson);
    }

    public static Dictionary<string, string> ParameterTextsOf(string? parametersJson) =>
        ParametersOf(parametersJson).ToDictionary(kv => kv.Key, kv => TextOf(kv.Value), StringComparer.Ordinal);

    /// <summary>A parameter value as text: a string as it is, anything else as its JSON text.</summary>
    public static string TextOf(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : value.GetRawText();

    public static Dictionary<string, double>? Summary(this Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return SummaryOf(run.SummaryJson);
    }

    /// <summary>The numeric entries of a summary (anything else in it is skipped); null when there is none.</summary>
    public static Dictionary<string, double>? SummaryOf(string? summaryJson) =>
        Read<Dictionary<string, JsonElement>>(summaryJson) is { } values
            ? values.Where(v => v.Value.ValueKind == JsonValueKind.Number && v.Value.TryGetDouble(out _))
                .ToDictionary(v => v.Key, v => v.Value.GetDouble(), StringComparer.Ordinal)
            : null;

    /// <summary>
    /// The exact reference values, in the record the training contract stores them as (<c>ReferenceValue</c>; this
    /// project does not reference the training one, so the caller names it); empty when there are none.
    /// </summary>
    public static List<TReference> References<TReference>(this Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Read<List<TReference>>(run.ReferencesJson)?.Where(r => r is not null).ToList() ?? [];
    }

    private static T? Read<T>(string? json) where T : class
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        try { return JsonSerializer.Deserialize<T>(json); }
        catch (JsonException) { return null; }
    }
}
