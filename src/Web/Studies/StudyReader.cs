using System.Text.Json;
using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Data.Sweeps;
using LayerLab.Training.Contracts;
using LayerLab.Training.Studies;
using LayerLab.Web.Runs;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Studies;

/// <summary>A stored study with its definition (overrides applied), its runs and what they add up to.</summary>
public sealed record StudyState(Study Row, IExperiment Experiment, StudyDefinition Definition, IReadOnlyList<(long Id, StudyRun Run)> Runs,
    StudyResults Results, StudyVerdict? Verdict, SweepProgress Progress);

/// <summary>Reads a study: its sweep's runs, aggregated and judged on every read (see <see cref="Study"/>).</summary>
public sealed class StudyReader(ExperimentCatalog catalog, IDbContextFactory<LabDbContext> dbFactory)
{
    public async Task<StudyState?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.Studies.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (row is null) return null;
        var experiment = catalog.Find(row.ExperimentKey);
        if (experiment is null) return null; // a study of an experiment this build no longer has
        var runs = await db.Runs.AsNoTracking().Where(r => r.SweepId == row.SweepId).OrderBy(r => r.Id)
            .Select(r => new { r.Id, r.ParametersJson, r.Seed, r.Status, r.SummaryJson }).ToListAsync(cancellationToken);
        var studyRuns = runs.Select(r => (r.Id, new StudyRun(ParametersOf(r.ParametersJson), r.Seed, StateOf(r.Status),
            r.Status == RunStatus.Succeeded ? RunJson.SummaryOf(r.SummaryJson) : null))).ToList();
        var definition = Definition(row, experiment, studyRuns.Select(r => r.Item2.Parameters).ToList());
        if (definition is null) return null;
        var results = StudyAggregation.Aggregate(definition, studyRuns.Select(r => r.Item2));
        // Judged once every run has finished; while runs are pending the page shows progress instead. A saved sweep
        // has no claim fixed before measuring, so it is never judged.
        var verdict = definition.HasVerdict && results.IsFinished && results.Total > 0 ? definition.Verdict(results) : null;
        var progress = await db.SweepProgressAsync(row.SweepId, cancellationToken);
        return new StudyState(row, experiment, definition, studyRuns, results, verdict, progress);
    }

    /// <summary>The declared study with the submitted overrides, or the user's figure of a saved sweep.</summary>
    private static StudyDefinition? Definition(Study row, IExperiment experiment, IReadOnlyList<IReadOnlyDictionary<string, string>> runParameters)
    {
        if (row.StudyKey == SavedSweepStudy.Key)
        {
            var figure = row.SavedFigureJson is null ? null : JsonSerializer.Deserialize<SavedFigure>(row.SavedFigureJson, StudySubmission.Json);
            return figure is null ? null : SavedSweepStudy.Define(row.Title, figure, SweepStudySaver.Swept(runParameters));
        }
        var declared = StudyCatalog.Find(experiment, row.StudyKey);
        if (declared is null) return null;
        var overrides = JsonSerializer.Deserialize<StudyOverrides>(row.OverridesJson, StudySubmission.Json) ?? new StudyOverrides();
        return StudyPlan.Apply(experiment, declared, overrides, out _) ?? declared;
    }

    public async Task<List<Study>> ListAsync(string? experiment, int take, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Studies.AsNoTracking();
        if (experiment is not null) query = query.Where(s => s.ExperimentKey == experiment);
        return await query.OrderByDescending(s => s.Id).Take(Math.Clamp(take, 1, 500)).ToListAsync(cancellationToken);
    }

    /// <summary>Which study a sweep belongs to (live pages map a run update to its study).</summary>
    public async Task<long?> StudyOfSweepAsync(long sweepId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Studies.Where(s => s.SweepId == sweepId).Select(s => (long?)s.Id).FirstOrDefaultAsync(cancellationToken);
    }

    private static StudyRunState StateOf(RunStatus status) => status switch
    {
        RunStatus.Succeeded => StudyRunState.Succeeded,
        RunStatus.Failed or RunStatus.Cancelled => StudyRunState.Failed,
        _ => StudyRunState.Pending,
    };

    public static Dictionary<string, string> ParametersOf(string json)
    {
        var values = RunJson.ParametersOf(json);
        return values.Where(v => ParameterText.Of(v.Value) is not null).ToDictionary(v => v.Key, v => ParameterText.Of(v.Value)!, StringComparer.Ordinal);
    }

}
