using System.Text.Json;
using LayerLab.Data;
using LayerLab.Data.Sweeps;
using LayerLab.Training.Contracts;
using LayerLab.Training.Studies;
using LayerLab.Web.Runs;
using LayerLab.Web.Sweeps;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Studies;

public sealed record SubmitStudyResult(long? StudyId, IReadOnlyDictionary<string, string> Errors)
{
    public bool Succeeded => StudyId is not null;
}

/// <summary>
/// Submits a declared study: applies the overrides, checks the sweep it becomes (nothing stored on any error), then
/// submits that sweep through <see cref="SweepSubmission"/> — the same queue, fairness and recovery as any sweep —
/// and records the study against it.
/// </summary>
public sealed class StudySubmission(ExperimentCatalog catalog, SweepSubmission sweeps, IDbContextFactory<LabDbContext> dbFactory, TimeProvider clock)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<SubmitStudyResult> SubmitAsync(string? experimentKey, string? studyKey, StudyOverrides overrides, RunActor submitter,
        long? rerunOf, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        ArgumentNullException.ThrowIfNull(submitter);
        var (experiment, study, errors) = Resolve(experimentKey, studyKey, overrides);
        if (errors.Count > 0) return new SubmitStudyResult(null, errors);
        var seed = overrides.Seed ?? StudyPlan.DefaultSeed;
        var definition = StudyPlan.ToSweep(experiment!, study!, seed);
        // Preview first: a study that would expand past the cap or into invalid values is refused before anything is stored.
        var preview = sweeps.Preview(definition, cancellationToken);
        if (!preview.IsValid) return new SubmitStudyResult(null, Prefix(preview.Errors));
        var submitted = await sweeps.SubmitAsync(definition, submitter, cancellationToken);
        if (!submitted.Succeeded) return new SubmitStudyResult(null, Prefix(submitted.Errors));

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = new Study
        {
            ExperimentKey = experiment!.Key,
            StudyKey = study!.Key,
            Title = study.Title,
            SweepId = submitted.SweepId!.Value,
            OverridesJson = JsonSerializer.Serialize(overrides with { Seed = seed }, Json),
            SubmittedBy = submitter.UserName,
            SubmittedById = submitter.UserId,
            CreatedAt = clock.GetUtcNow(),
            RerunOfId = rerunOf,
        };
        db.Studies.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return new SubmitStudyResult(row.Id, new Dictionary<string, string>());
    }

    /// <summary>A new study with the same experiment, study and overrides (seeds included): a reproduction. Null if
    /// there is no such study.</summary>
    public async Task<SubmitStudyResult?> RerunAsync(long id, RunActor submitter, CancellationToken cancellationToken)
    {
        Study? row;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
            row = await db.Studies.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (row is null) return null;
        if (row.StudyKey == SavedSweepStudy.Key)
            return new SubmitStudyResult(null, new Dictionary<string, string>
            {
                ["study"] = $"Study #{id} was saved from sweep #{row.SweepId}: re-run that sweep's failed runs from the sweep, or submit a new sweep and save it as a study.",
            });
        var overrides = JsonSerializer.Deserialize<StudyOverrides>(row.OverridesJson, Json) ?? new StudyOverrides();
        return await SubmitAsync(row.ExperimentKey, row.StudyKey, overrides, submitter, id, cancellationToken);
    }

    /// <summary>Sets the study's review state (reviewers approve a study as they approve a run). Null if not found.</summary>
    public async Task<Study?> ReviewAsync(long id, Data.Review.ReviewState state, RunActor reviewer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reviewer);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.Studies.FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (row is null) return null;
        (row.ReviewState, row.ReviewedBy, row.ReviewedAt) = (state, reviewer.UserName, clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return row;
    }

    /// <summary>The experiment, its study with the overrides applied, or errors per field.</summary>
    public (IExperiment? Experiment, StudyDefinition? Study, Dictionary<string, string> Errors) Resolve(
        string? experimentKey, string? studyKey, StudyOverrides overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        var experiment = catalog.Find(experimentKey ?? "");
        if (experiment is null) return (null, null, new() { ["experiment"] = $"Unknown experiment '{experimentKey}'." });
        var declared = StudyCatalog.Find(experiment, studyKey ?? "");
        if (declared is null)
            return (experiment, null, new() { ["study"] = $"{experiment.Key} has no study '{studyKey}' (it has: {string.Join(", ", StudyCatalog.Of(experiment).Select(s => s.Key))})." });
        var applied = StudyPlan.Apply(experiment, declared, overrides, out var errors);
        return (experiment, applied, errors);
    }

    /// <summary>Sweep errors name sweep fields; a study's submitter set them through overrides.</summary>
    private static Dictionary<string, string> Prefix(IReadOnlyDictionary<string, string> errors) =>
        errors.ToDictionary(e => e.Key.StartsWith("sweep.", StringComparison.Ordinal) ? "overrides." + e.Key["sweep.".Length..]
            : e.Key.StartsWith("parameters.", StringComparison.Ordinal) ? "overrides." + e.Key["parameters.".Length..]
            : e.Key == "seeds" ? "overrides.seeds" : e.Key == "sweep" ? "overrides" : e.Key, e => e.Value);
}
