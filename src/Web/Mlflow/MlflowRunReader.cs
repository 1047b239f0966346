using System.Globalization;
using System.Text.Json;
using LayerLab.Data;
using LayerLab.Data.Mlflow;
using LayerLab.Data.Runs;
using LayerLab.Web.Runs;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Mlflow;

/// <summary>Finds MLflow runs by MLflow's string id and reads them in MLflow's shape (info, latest metrics, params, tags).</summary>
public static class MlflowRunReader
{
    private const int Chunk = 500;

    /// <summary>The run and its MLflow row; RESOURCE_DOES_NOT_EXIST for a malformed id, an unknown run, or a run not logged through MLflow.</summary>
    public static async Task<(Run Run, MlflowRun Mlflow)> FindAsync(LabDbContext db, string runId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (!long.TryParse(runId, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            throw MlflowException.NotFound($"Run '{MlflowArgs.Shorten(runId)}' not found");
        var found = await db.Runs.AsNoTracking().Where(r => r.Id == id)
            .Join(db.MlflowRuns.AsNoTracking(), r => r.Id, m => m.RunId, (r, m) => new { r, m })
            .FirstOrDefaultAsync(ct) ?? throw MlflowException.NotFound($"Run '{id}' not found");
        return (found.r, found.m);
    }

    /// <summary>
    /// As <see cref="FindAsync"/>, then refuses what MLflow refuses (a deleted run) and what LayerLab refuses (someone
    /// else's run unless admin).
    /// </summary>
    public static async Task<(Run Run, MlflowRun Mlflow)> FindWritableAsync(LabDbContext db, string runId, System.Security.Claims.ClaimsPrincipal user, CancellationToken ct)
    {
        var (run, mlflow) = await FindAsync(db, runId, ct);
        if (!RunActor.From(user).MayChange(run))
            throw MlflowException.Denied($"Run '{run.Id}' belongs to {run.SubmittedBy ?? "someone else"}; only its owner or an admin may change it.");
        if (mlflow.LifecycleStage != MlflowModel.Active)
            throw MlflowException.Invalid($"The run {run.Id} must be in the 'active' state. Current state is {mlflow.LifecycleStage}.");
        return (run, mlflow);
    }

    public static async Task<MlflowRunDto> ReadAsync(LabDbContext db, Run run, MlflowRun mlflow, CancellationToken ct) =>
        (await ReadManyAsync(db, [(run, mlflow)], ct))[0];

    /// <summary>The runs in the order given, with their data read in a few queries per 500 runs.</summary>
    public static async Task<List<MlflowRunDto>> ReadManyAsync(LabDbContext db, IReadOnlyList<(Run Run, MlflowRun Mlflow)> runs, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(runs);
        var metrics = new Dictionary<long, List<MlflowMetricDto>>();
        var tags = new Dictionary<long, List<MlflowKeyValue>>();
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        for (var start = 0; start < runs.Count; start += Chunk)
        {
            var ids = runs.Skip(start).Take(Chunk).Select(r => r.Run.Id).ToList();
            var list = string.Join(",", ids.Select(i => i.ToString(CultureInfo.InvariantCulture)));
            await using (var command = connection.CreateCommand())
            {
#pragma warning disable CA2100 // The IN list is made of integers formatted here, not of client text.
                command.CommandText =
                    "SELECT l.\"RunId\", l.\"Key\", l.\"Value\", l.\"Step\", p.\"At\" FROM \"LatestMetrics\" l " +
                    "LEFT JOIN \"MetricPoints\" p ON p.\"RunId\" = l.\"RunId\" AND p.\"Key\" = l.\"Key\" AND p.\"Step\" = l.\"Step\" " +
                    $"WHERE l.\"RunId\" IN ({list}) ORDER BY l.\"RunId\", l.\"Key\"";
#pragma warning restore CA2100
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var runId = reader.GetInt64(0);
                    if (!metrics.TryGetValue(runId, out var m)) metrics[runId] = m = [];
                    m.Add(new MlflowMetricDto(reader.GetString(1), reader.IsDBNull(2) ? double.NaN : reader.GetDouble(2),
                        reader.IsDBNull(4) ? 0 : reader.GetInt64(4), reader.GetInt64(3)));
                }
            }
            foreach (var tag in await db.MlflowRunTags.AsNoTracking().Where(t => ids.Contains(t.RunId)).OrderBy(t => t.Key).ToListAsync(ct))
            {
                if (!tags.TryGetValue(tag.RunId, out var t)) tags[tag.RunId] = t = [];
                t.Add(new MlflowKeyValue(tag.Key, tag.Value));
            }
        }
        return runs.Select(r => new MlflowRunDto(
            MlflowRunInfoDto.From(r.Run, r.Mlflow),
            new MlflowRunDataDto(metrics.GetValueOrDefault(r.Run.Id) ?? [], Params(r.Run.ParametersJson), tags.GetValueOrDefault(r.Run.Id) ?? []),
            new MlflowRunInputsDto())).ToList();
    }

    /// <summary>Params are strings in MLflow; a value logged through LayerLab's own API as a number shows as its JSON text.</summary>
    public static List<MlflowKeyValue> Params(string parametersJson)
    {
        return RunJson.ParameterTextsOf(parametersJson).Select(p => new MlflowKeyValue(p.Key, p.Value))
            .OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
    }
}
