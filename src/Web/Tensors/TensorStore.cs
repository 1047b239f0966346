using LayerLab.Data;
using LayerLab.Training.Contracts;
using LayerLab.Web.Live;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Tensors;

public enum TensorStoreOutcome { Stored, AlreadyStored, OverRunCap }

/// <summary>The per-run byte cap and per-tensor value cap (LayerLab:Tensors:MaxBytesPerRun, :MaxElements).</summary>
public sealed record TensorLimits(long MaxBytesPerRun, int MaxElements)
{
    public const long DefaultMaxBytesPerRun = 16L * 1024 * 1024;
    public const string MaxBytesPerRunSetting = "LayerLab:Tensors:MaxBytesPerRun";
    public const string MaxElementsSetting = "LayerLab:Tensors:MaxElements";

    public static TensorLimits From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var bytes = long.TryParse(configuration[MaxBytesPerRunSetting], out var b) && b > 0 ? b : DefaultMaxBytesPerRun;
        var elements = int.TryParse(configuration[MaxElementsSetting], out var e) && e > 0 ? e : TensorRules.DefaultMaxElements;
        return new TensorLimits(bytes, elements);
    }
}

/// <summary>
/// Stores a run's tensors, one row per (run, key, step), and tells the run's live subscribers a step was logged.
/// The cap check and the insert are one SQL statement, so two concurrent posts cannot both slip under the cap.
/// </summary>
public sealed class TensorStore(IDbContextFactory<LabDbContext> dbFactory, RunEvents events, TensorLimits limits)
{
    public TensorLimits Limits => limits;

    /// <summary>Stores a tensor already checked by <see cref="TensorRules"/>.</summary>
    public async Task<TensorStoreOutcome> StoreAsync(long runId, TensorSample tensor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var bytes = TensorRules.Encode(tensor.Data);
        var shape = TensorRules.FormatShape(tensor.Shape);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var inserted = await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO RunTensors (RunId, Key, Step, Shape, Data)
            SELECT {runId}, {tensor.Key}, {tensor.Step}, {shape}, {bytes}
            WHERE (SELECT COALESCE(SUM(length(Data)), 0) FROM RunTensors WHERE RunId = {runId}) + {bytes.LongLength} <= {limits.MaxBytesPerRun}
            ON CONFLICT (RunId, Key, Step) DO NOTHING
            """, ct);
        if (inserted == 1)
        {
            await events.PublishTensorLoggedAsync(new TensorLoggedMessage(runId, tensor.Key, tensor.Step, tensor.Shape));
            return TensorStoreOutcome.Stored;
        }
        var exists = await db.RunTensors.AnyAsync(t => t.RunId == runId && t.Key == tensor.Key && t.Step == tensor.Step, ct);
        return exists ? TensorStoreOutcome.AlreadyStored : TensorStoreOutcome.OverRunCap;
    }

    /// <summary>Every key of the run with its steps in order and the shape of its last step.</summary>
    public async Task<IReadOnlyList<TensorKeyDto>> ListAsync(long runId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.RunTensors.AsNoTracking().Where(t => t.RunId == runId)
            .OrderBy(t => t.Key).ThenBy(t => t.Step).Select(t => new { t.Key, t.Step, t.Shape }).ToListAsync(ct);
        return [.. rows.GroupBy(r => r.Key, StringComparer.Ordinal)
            .Select(g => new TensorKeyDto(g.Key, [.. g.Select(r => r.Step)], TensorRules.ParseShape(g.Last().Shape)))];
    }

    /// <summary>The tensor at <paramref name="step"/>, or at the last step when null; null when absent.</summary>
    public async Task<TensorDto?> ReadAsync(long runId, string key, long? step, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.RunTensors.AsNoTracking().Where(t => t.RunId == runId && t.Key == key);
        query = step is { } wanted ? query.Where(t => t.Step == wanted) : query.OrderByDescending(t => t.Step);
        var row = await query.FirstOrDefaultAsync(ct);
        return row is null ? null : new TensorDto(row.Key, row.Step, TensorRules.ParseShape(row.Shape), TensorRules.Decode(row.Data));
    }
}

public sealed record TensorKeyDto(string Key, IReadOnlyList<long> Steps, int[] Shape);

public sealed record TensorDto(string Key, long Step, int[] Shape, float[] Data);
