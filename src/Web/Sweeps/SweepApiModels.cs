using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using LayerLab.Data.Runs;
using LayerLab.Data.Sweeps;
using LayerLab.Training.Sweeps;
using LayerLab.Web.Runs;

namespace LayerLab.Web.Sweeps;

/// <summary>Body of POST /api/sweeps and /api/sweeps/preview. Unknown fields are rejected.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class SubmitSweepBody
{
    public string? Experiment { get; set; }
    public string? Name { get; set; }
    /// <summary>Base values (numbers, strings or booleans); missing parameters take their defaults.</summary>
    public Dictionary<string, JsonElement>? Parameters { get; set; }
    public Dictionary<string, SweepAxisBody>? Sweep { get; set; }
    public int? Seeds { get; set; }
    public long? Seed { get; set; }
    /// <summary>Train each configuration's seeds as one batched job (default: on where the experiment supports it).</summary>
    public bool? BatchSeeds { get; set; }

    /// <summary>The definition, or errors per field for values JSON allows but a sweep does not.</summary>
    public SweepDefinition? ToDefinition(out Dictionary<string, string> errors)
    {
        errors = new Dictionary<string, string>(StringComparer.Ordinal);
        var raw = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, value) in Parameters ?? [])
        {
            var text = ParameterText.Of(value);
            if (text is null) errors[$"parameters.{name}"] = $"{name} must be a number, string or boolean.";
            else raw[name] = text;
        }
        var axes = new Dictionary<string, SweepAxis>(StringComparer.Ordinal);
        foreach (var (name, body) in Sweep ?? [])
        {
            if (body is null) { errors[$"sweep.{name}"] = $"{name}: the sweep is empty."; continue; }
            if (!Enum.TryParse<SweepMode>(body.Mode, ignoreCase: true, out var mode) || !Enum.IsDefined(mode) || int.TryParse(body.Mode, out _))
            { errors[$"sweep.{name}.mode"] = $"{name}: mode must be one of list, linear, log, random."; continue; }
            var values = new List<string>();
            foreach (var v in body.Values ?? [])
            {
                var text = ParameterText.Of(v);
                if (text is null) { errors[$"sweep.{name}.values"] = $"{name}: values must be numbers, strings or booleans."; break; }
                values.Add(text);
            }
            axes[name] = new SweepAxis
            {
                Mode = mode, Values = body.Values is null ? null : values, Start = body.Start, Stop = body.Stop,
                Count = body.Count, LogUniform = body.LogUniform ?? false,
            };
        }
        if (errors.Count > 0) return null;
        return new SweepDefinition
        {
            Experiment = Experiment ?? "", Name = Name, Parameters = raw, Sweep = axes, Seeds = Seeds ?? 1, Seed = Seed,
            BatchSeeds = BatchSeeds,
        };
    }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class SweepAxisBody
{
    /// <summary>list, linear, log or random.</summary>
    public string? Mode { get; set; }
    public List<JsonElement>? Values { get; set; }
    public double? Start { get; set; }
    public double? Stop { get; set; }
    public int? Count { get; set; }
    public bool? LogUniform { get; set; }
}

public sealed record SweepPreviewDto(int Configurations, long Runs, int MaxRuns);

public sealed record SweepProgressDto(int Queued, int Running, int Succeeded, int Failed, int Cancelled, int Total, string Status)
{
    public static SweepProgressDto From(SweepProgress p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return new(p.Queued, p.Running, p.Succeeded, p.Failed, p.Cancelled, p.Total, p.Status);
    }
}

public sealed record SweepSummaryDto(long Id, string Name, string Experiment, int Runs, int Seeds, string? SubmittedBy,
    DateTimeOffset CreatedAt, SweepProgressDto Progress)
{
    public static SweepSummaryDto From(Sweep s, SweepProgress p)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(s.Id, s.Name, s.ExperimentKey, s.RunCount, s.SeedCount, s.SubmittedBy, s.CreatedAt, SweepProgressDto.From(p));
    }
}

public sealed record SweepConfigurationDto(
    IReadOnlyDictionary<string, JsonElement> Parameters, int Runs, int N, double? Mean, double? StdDev, double? Ci95, bool Best,
    IReadOnlyList<long> RunIds);

public sealed record SweepDto(SweepSummaryDto Sweep, SweepDefinition? Definition, string? Metric, string? Direction,
    IReadOnlyList<string> Swept, IReadOnlyList<SweepConfigurationDto> Configurations)
{
    public static SweepDto From(SweepDetails d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new(SweepSummaryDto.From(d.Sweep, d.Progress), d.Definition, d.Metric?.Key,
            d.Metric?.Direction.ToString().ToLower(CultureInfo.InvariantCulture), d.Swept,
            d.Rows.Select(r => new SweepConfigurationDto(
                RunJson.ParametersOf(r.ParametersJson),
                r.Runs, r.N, r.Mean, r.StdDev, r.Ci95, r.IsBest, r.RunIds)).ToList());
    }
}
