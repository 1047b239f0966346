using System.Text.Json;
using LayerLab.Web.ExternalRuns;

namespace LayerLab.Web.Panels;

/// <summary>The run page's panel layout as stored: groups in the order the person put them, the pinned ones, the
/// collapsed ones. Group names are metric group names (the metric key's prefix before "/").</summary>
public sealed record PanelLayoutDto(IReadOnlyList<string> Order, IReadOnlyList<string> Pinned, IReadOnlyList<string> Collapsed)
{
    public static readonly PanelLayoutDto Empty = new([], [], []);
}

/// <summary>
/// Validation of a layout sent by a browser: every problem is reported under its field, and the bounds keep a row
/// small whatever is sent (at most <see cref="MaxGroups"/> names a list, <see cref="MaxGroupLength"/> characters a
/// name, so a stored layout is under 16 KB).
/// </summary>
public static class PanelLayoutRules
{
    public const int MaxGroups = 64;
    public const int MaxGroupLength = 64;

    /// <summary>Experiment keys as the catalog and external runs spell them; anything else cannot have runs.</summary>
    public static string? ExperimentKeyProblem(string? key) =>
        string.IsNullOrEmpty(key) || key.Length > Data.Panels.PanelLayout.MaxExperimentKeyLength
            || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? $"experimentKey must be 1 to {Data.Panels.PanelLayout.MaxExperimentKeyLength} letters, digits, '-', '_' or '.'."
            : null;

    /// <summary>Reads { order, pinned, collapsed } (each optional, default empty); null when anything is wrong.</summary>
    internal static PanelLayoutDto? Parse(JsonElement root, Dictionary<string, List<string>> errors)
    {
        JsonBody.RejectUnknown(root, errors, "", "order", "pinned", "collapsed");
        var order = ReadList(root, "order", errors);
        var pinned = ReadList(root, "pinned", errors);
        var collapsed = ReadList(root, "collapsed", errors);
        return errors.Count == 0 ? new PanelLayoutDto(order, pinned, collapsed) : null;
    }

    private static List<string> ReadList(JsonElement root, string field, Dictionary<string, List<string>> errors)
    {
        var list = new List<string>();
        if (!JsonBody.TryGet(root, field, out var element) || element.ValueKind == JsonValueKind.Null) return list;
        if (element.ValueKind != JsonValueKind.Array) { errors.Add(field, $"{field} must be an array of metric group names."); return list; }
        if (element.GetArrayLength() > MaxGroups) { errors.Add(field, $"{field} may name at most {MaxGroups} groups; got {element.GetArrayLength()}."); return list; }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var item in element.EnumerateArray())
        {
            var name = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
            if (string.IsNullOrEmpty(name) || name.Length > MaxGroupLength || name.Any(char.IsControl))
                errors.Add($"{field}[{i}]", $"A group name must be a string of 1 to {MaxGroupLength} printable characters.");
            else if (!seen.Add(name)) errors.Add($"{field}[{i}]", $"'{name}' appears more than once.");
            else list.Add(name);
            i++;
        }
        return list;
    }
}
