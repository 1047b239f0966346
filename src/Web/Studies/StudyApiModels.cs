using System.Text.Json;
using System.Text.Json.Serialization;
using LayerLab.Training.Studies;
using LayerLab.Training.Sweeps;
using LayerLab.Web.Runs;
using LayerLab.Web.Sweeps;

namespace LayerLab.Web.Studies;

/// <summary>Body of POST /api/studies. Unknown fields are rejected.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class SubmitStudyBody
{
    public string? Experiment { get; set; }
    public string? Study { get; set; }
    /// <summary>Parameter name → value (a base value), or → array (new values of one of the study's axes); plus
    /// "seeds" (seeds per configuration) and "seed" (the first seed).</summary>
    public Dictionary<string, JsonElement>? Overrides { get; set; }

    /// <summary>The overrides, or errors per field ("overrides.&lt;name&gt;") for values of the wrong JSON kind.</summary>
    public StudyOverrides? ToOverrides(out Dictionary<string, string> errors)
    {
        errors = new Dictionary<string, string>(StringComparer.Ordinal);
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        var axes = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        int? seeds = null;
        long? seed = null;
        foreach (var (name, value) in Overrides ?? [])
        {
            var key = $"overrides.{name}";
            if (name is "seeds" or "seed")
            {
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var n)) { errors[key] = $"{name} must be a whole number."; continue; }
                if (name == "seeds") seeds = (int)Math.Clamp(n, int.MinValue, int.MaxValue); else seed = n;
                continue;
            }
            if (value.ValueKind == JsonValueKind.Array)
            {
                var values = new List<string>();
                foreach (var item in value.EnumerateArray())
                {
                    if (ParameterText.Of(item) is { } text) values.Add(text);
                    else { errors[key] = $"{name}: values must be numbers, strings or booleans."; break; }
                }
                // An axis has at most as many values as a sweep may have runs; the sweep's cap is checked later.
                if (values.Count > SweepExpansion.MaxAxisValues) errors[key] = $"{name}: at most {SweepExpansion.MaxAxisValues} values.";
                axes[name] = values;
                continue;
            }
            if (ParameterText.Of(value) is { } scalar) parameters[name] = scalar;
            else errors[key] = $"{name} must be a number, string, boolean or an array of them.";
        }
        return errors.Count > 0 ? null : new StudyOverrides { Parameters = parameters, Axes = axes, Seeds = seeds, Seed = seed };
    }
}

/// <summary>A declared study as GET /api/experiments/{key}/studies lists it.</summary>
public sealed record StudyInfoDto(string Key, string Title, string Claim, string Thresholds, int Configurations, int Seeds, int Runs,
    double EstimatedSeconds, IReadOnlyList<StudyAxisDto> Axes, IReadOnlyDictionary<string, string> Parameters, StudyFigureDto Figure);

public sealed record StudyAxisDto(string Parameter, IReadOnlyList<string> Values);

public sealed record StudyFigureDto(string X, string Y, string Series, bool LogX, bool LogY);

public sealed record StudyPointDto(double X, double Mean, double Low, double High, int N);

public sealed record StudySeriesDto(string Name, IReadOnlyList<StudyPointDto> Points);

public sealed record PaperPointDto(string Series, double X, double Y, string Source);

public sealed record StudyFigureDataDto(string X, string Y, string SeriesLabel, bool LogX, bool LogY,
    IReadOnlyList<StudySeriesDto> Series, IReadOnlyList<PaperPointDto> Paper);

public sealed record StudyVerdictDto(string Outcome, string Text);

/// <summary>One configuration of the study: its parameters, runs and the table metrics' means over succeeded seeds.</summary>
public sealed record StudyConfigurationDto(IReadOnlyDictionary<string, string> Parameters, IReadOnlyList<long> RunIds, int Runs,
    int Succeeded, int Failed, IReadOnlyDictionary<string, double> Means);

public sealed record StudyProgressDto(int Total, int Finished, int Succeeded, int Failed, int Pending, double Fraction);

public sealed record StudyDto(
    long Id, string Experiment, string Study, string Title, string Claim, string Thresholds, long SweepId, string Status,
    StudyProgressDto Progress, IReadOnlyList<StudyConfigurationDto> Configurations, StudyVerdictDto? Verdict,
    StudyFigureDataDto Figure, string? SubmittedBy, DateTimeOffset CreatedAt, long? RerunOfId, string ReviewState,
    string? ReviewedBy, double EstimatedSeconds, SweepProgressDto SweepProgress, bool HasVerdict = true,
    IReadOnlyList<StudyFigureDataDto>? MoreFigures = null);
