using System.Globalization;
using System.Text.Json;
using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Data.Sweeps;
using LayerLab.Training.Contracts;
using LayerLab.Training.Studies;
using LayerLab.Web.Runs;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Studies;

/// <summary>What a sweep offers for a figure: swept parameters (numeric ones can be x) and summary metrics (y).</summary>
/// <param name="PositiveSwept">Numeric swept parameters whose every value is above 0 (a log x axis needs that).</param>
public sealed record SweepStudyOptions(string ExperimentKey, IReadOnlyList<string> Swept, IReadOnlyList<string> NumericSwept, IReadOnlyList<string> Metrics,
    IReadOnlyList<string>? PositiveSwept = null);

public sealed record SaveSweepStudyResult(long? StudyId, IReadOnlyDictionary<string, string> Errors, bool SweepMissing = false)
{
    public bool Succeeded => StudyId is not null;
}

/// <summary>
/// Saves any sweep as a study with the user's own figure (issue #15): validates the figure against the sweep (x a
/// numeric swept parameter, y a summary metric, the series a swept parameter), then stores a study row over the same
/// sweep. Nothing is queued: the sweep's runs are the study's runs, finished or still running.
/// </summary>
public sealed class SweepStudySaver(IDbContextFactory<LabDbContext> dbFactory, ExperimentCatalog catalog, TimeProvider clock)
{
    public const int MaxTitle = 200;
    public const int MaxNote = 1000;

    /// <summary>The sweep's parameters and metrics, or null when there is no such sweep.</summary>
    public async Task<SweepStudyOptions?> OptionsAsync(long sweepId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var experimentKey = await db.Sweeps.Where(s => s.Id == sweepId).Select(s => s.ExperimentKey).FirstOrDefaultAsync(cancellationToken);
        if (experimentKey is null) return null;
        var runs = await db.Runs.AsNoTracking().Where(r => r.SweepId == sweepId)
            .Select(r => new { r.ParametersJson, r.Status, r.SummaryJson }).ToListAsync(cancellationToken);
        var parameters = runs.Select(r => StudyReader.ParametersOf(r.ParametersJson)).ToList();
        var swept = Swept(parameters);
        var numeric = swept.Where(p => parameters.All(r => r.TryGetValue(p, out var v) && IsNumber(v))).ToList();
        var positive = numeric.Where(p => parameters.All(r => double.Parse(r[p], NumberStyles.Float, CultureInfo.InvariantCulture) > 0)).ToList();
        // Metrics the finished runs report, then the experiment's declared ones (a sweep still queued has no summaries yet).
        var metrics = runs.Where(r => r.Status == RunStatus.Succeeded).SelectMany(r => NumericKeys(r.SummaryJson))
            .Concat(catalog.Find(experimentKey)?.Metrics.Select(m => m.Key) ?? [])
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return new SweepStudyOptions(experimentKey, swept, numeric, metrics, positive);
    }

    public async Task<SaveSweepStudyResult> SaveAsync(long sweepId, SaveSweepStudyBody body, RunActor saver, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(saver);
        var options = await OptionsAsync(sweepId, cancellationToken);
        if (options is null) return new SaveSweepStudyResult(null, new Dictionary<string, string>(), SweepMissing: true);
        var errors = Validate(body, options);
        if (errors.Count > 0) return new SaveSweepStudyResult(null, errors);
        if (body.LogX && !(options.PositiveSwept ?? []).Contains(body.X!, StringComparer.Ordinal))
            return new SaveSweepStudyResult(null, new Dictionary<string, string> { ["logX"] = $"A log x axis needs every value of {body.X} above 0." });

        var figure = new SavedFigure(body.X!, body.Y!, string.IsNullOrEmpty(body.Series) ? null : body.Series, body.LogX, body.LogY,
            string.IsNullOrWhiteSpace(body.Note) ? null : body.Note.Trim());
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = new Study
        {
            ExperimentKey = options.ExperimentKey,
            StudyKey = SavedSweepStudy.Key,
            Title = body.Title!.Trim(),
            SweepId = sweepId,
            OverridesJson = "{}",
            SavedFigureJson = JsonSerializer.Serialize(figure, StudySubmission.Json),
            SubmittedBy = saver.UserName,
            SubmittedById = saver.UserId,
            CreatedAt = clock.GetUtcNow(),
        };
        db.Studies.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return new SaveSweepStudyResult(row.Id, new Dictionary<string, string>());
    }

    /// <summary>Errors per field of the body; empty when the figure fits the sweep.</summary>
    public static Dictionary<string, string> Validate(SaveSweepStudyBody body, SweepStudyOptions options)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(options);
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        var title = body.Title?.Trim() ?? "";
        if (title.Length == 0) errors["title"] = "Give the study a title.";
        else if (title.Length > MaxTitle) errors["title"] = $"title must be at most {MaxTitle} characters.";
        if (string.IsNullOrEmpty(body.X)) errors["x"] = "Choose the swept parameter for the x axis.";
        else if (!options.NumericSwept.Contains(body.X, StringComparer.Ordinal))
            errors["x"] = options.NumericSwept.Count == 0
                ? "This sweep has no numeric swept parameter to draw on the x axis."
                : $"x must be a numeric swept parameter of this sweep: {string.Join(", ", options.NumericSwept)}.";
        if (string.IsNullOrEmpty(body.Y)) errors["y"] = "Choose the metric for the y axis.";
        else if (!options.Metrics.Contains(body.Y, StringComparer.Ordinal))
            errors["y"] = $"y must be a metric of this sweep's runs: {string.Join(", ", options.Metrics.Take(20))}{(options.Metrics.Count > 20 ? ", …" : "")}.";
        if (!string.IsNullOrEmpty(body.Series))
        {
            if (!options.Swept.Contains(body.Series, StringComparer.Ordinal))
                errors["series"] = $"series must be a swept parameter of this sweep: {string.Join(", ", options.Swept)}.";
            else if (body.Series == body.X) errors["series"] = "series must differ from x.";
        }
        if (body.Note is { Length: > MaxNote }) errors["note"] = $"note must be at most {MaxNote} characters.";
        return errors;
    }

    /// <summary>Parameters whose value differs between the sweep's runs (seeds are not parameters).</summary>
    public static List<string> Swept(IReadOnlyList<IReadOnlyDictionary<string, string>> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        return runs.SelectMany(r => r.Keys).Distinct(StringComparer.Ordinal)
            .Where(p => runs.Select(r => r.TryGetValue(p, out var v) ? v : null).Distinct(StringComparer.Ordinal).Skip(1).Any())
            .Order(StringComparer.Ordinal).ToList();
    }

    private static bool IsNumber(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x);

    private static IEnumerable<string> NumericKeys(string? json) => RunJson.SummaryOf(json)?.Keys ?? Enumerable.Empty<string>();
}

/// <summary>POST /api/sweeps/{id}/study: the figure of a sweep saved as a study.</summary>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
public sealed class SaveSweepStudyBody
{
    public string? Title { get; set; }
    public string? X { get; set; }
    public string? Y { get; set; }
    public string? Series { get; set; }
    public bool LogX { get; set; }
    public bool LogY { get; set; }
    public string? Note { get; set; }
}
