using System.Text.Json;
using System.Text.Json.Serialization;
using LayerLab.Data.Runs;

namespace LayerLab.Web.Runs;

/// <summary>Body of POST /api/runs. Unknown fields are rejected (see the JSON options in Program).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class SubmitRunBody
{
    public string? Experiment { get; set; }
    public Dictionary<string, JsonElement>? Parameters { get; set; }
    public long? Seed { get; set; }
}

public sealed record RunDto(
    long Id, string Experiment, RunStatus Status, double Progress, long Seed,
    IReadOnlyDictionary<string, JsonElement> Parameters,
    DateTimeOffset QueuedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    string? Worker, string? Device, int Attempt, string? Error,
    IReadOnlyDictionary<string, double>? Summary, string? Verdict,
    RunSource Source, string? Name, string? SubmittedBy,
    long? ReproducesRunId = null, string? Reproduction = null, string? ReproductionNote = null,
    long? ResumedFromStep = null, long? DatasetId = null, string? DatasetSha256 = null)
{
    public static RunDto From(Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new RunDto(run.Id, run.ExperimentKey, run.Status, run.Progress, run.Seed,
            run.Parameters(),
            run.QueuedAt, run.StartedAt, run.FinishedAt, run.Worker, run.Device, run.Attempt, run.Error,
            run.Summary(),
            run.Verdict, run.Source, run.Name, run.SubmittedBy, run.ReproducesRunId, run.Reproduction, run.ReproductionNote,
            run.ResumedFromStep, run.DatasetId, run.DatasetSha256);
    }
}

/// <summary>A run's metric history in columns, the shape the chart module reads.</summary>
/// <remarks>Values are null where the stored value is NaN or ±Infinity (JSON has no such numbers).</remarks>
public sealed record SeriesDto(List<long> Steps, List<double?> Values)
{
    public SeriesDto() : this([], []) { }

    /// <summary>Appends a stored point; NaN (stored NULL) and ±Infinity become null, which JSON can carry.</summary>
    public void Add(long step, double? value)
    {
        Steps.Add(step);
        Values.Add(value is { } v && double.IsFinite(v) ? v : null);
    }
}

public sealed record RunMetricsDto(long RunId, IReadOnlyDictionary<string, SeriesDto> Series);
