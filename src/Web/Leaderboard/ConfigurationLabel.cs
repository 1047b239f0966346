using System.Text.Json;
using LayerLab.Data.Runs;
using LayerLab.Training.Contracts;

namespace LayerLab.Web.Leaderboard;

/// <summary>Names a configuration by what differs from the experiment's defaults ("defaults" when nothing does).</summary>
public static class ConfigurationLabel
{
    public static string Of(string parametersJson, IExperiment? experiment)
    {
        var values = RunJson.ParametersOf(parametersJson);
        var parts = new List<string>();
        foreach (var (name, value) in values)
        {
            var spec = experiment?.Parameters.FirstOrDefault(p => p.Name == name);
            var text = value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : value.GetRawText();
            if (spec is not null && Same(spec, text)) continue;
            parts.Add($"{name}={text}");
        }
        return parts.Count == 0 ? "defaults" : string.Join(", ", parts);
    }

    private static bool Same(ParameterSpec spec, string text) =>
        spec.TryParse(text, out _) is { } parsed && ParameterSpec.Format(parsed) == spec.DefaultText;
}
