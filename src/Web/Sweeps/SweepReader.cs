using System.Text.Json;
using LayerLab.Data;
using LayerLab.Data.Sweeps;
using LayerLab.Training.Contracts;
using LayerLab.Training.Sweeps;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Sweeps;

/// <summary>Everything the sweep page and GET /api/sweeps/{id} show.</summary>
/// <param name="Swept">Names of the swept parameters, in definition order (the table's and the plot's columns).</param>
public sealed record SweepDetails(
    Sweep Sweep, SweepDefinition? Definition, SweepProgress Progress, IReadOnlyList<string> Swept,
    MetricDefinition? Metric, IReadOnlyList<SweepConfigurationRow> Rows);

public sealed class SweepReader(IDbContextFactory<LabDbContext> dbFactory, ExperimentCatalog catalog)
{
    public async Task<SweepDetails?> GetAsync(long sweepId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var sweep = await db.Sweeps.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sweepId, cancellationToken);
        if (sweep is null) return null;
        var definition = Parse(sweep.DefinitionJson);
        var experiment = catalog.Find(sweep.ExperimentKey);
        var metric = experiment?.Metrics.FirstOrDefault(m => m.Key == experiment.PrimaryMetric);
        var maximize = metric?.Direction == MetricDirection.Maximize;
        var values = await db.SweepRunValuesAsync(sweepId, experiment?.PrimaryMetric ?? "", maximize, cancellationToken);
        var progress = await db.SweepProgressAsync(sweepId, cancellationToken);
        return new SweepDetails(sweep, definition, progress, definition?.Sweep.Keys.ToList() ?? [], metric,
            SweepAggregation.Aggregate(values, maximize));
    }

    public async Task<List<(Sweep Sweep, SweepProgress Progress)>> ListAsync(int take, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var sweeps = await db.Sweeps.AsNoTracking().OrderByDescending(s => s.Id).Take(Math.Clamp(take, 1, 500)).ToListAsync(cancellationToken);
        var progress = await db.SweepProgressAsync(sweeps.Select(s => s.Id).ToList(), cancellationToken);
        return sweeps.Select(s => (s, progress[s.Id])).ToList();
    }

    /// <summary>Which sweep a run belongs to (live pages ask when a run update arrives).</summary>
    public async Task<long?> SweepOfRunAsync(long runId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Runs.Where(r => r.Id == runId).Select(r => r.SweepId).FirstOrDefaultAsync(cancellationToken);
    }

    public static SweepDefinition? Parse(string json)
    {
        try { return JsonSerializer.Deserialize<SweepDefinition>(json); }
        catch (JsonException) { return null; }
    }
}
