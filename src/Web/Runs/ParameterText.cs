using System.Text.Json;

namespace LayerLab.Web.Runs;

/// <summary>Parameter values arrive as JSON; specs validate them as text. One mapping for every endpoint.</summary>
public static class ParameterText
{
    /// <returns>The value as the text a spec parses, or null for objects, arrays and null (the spec then says why).</returns>
    public static string? Of(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.String => value.GetString(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };
}
