using System.Security.Claims;
using System.Text.Json;
using LayerLab.Data;
using LayerLab.Training.Contracts;
using LayerLab.Web.Accounts;
using LayerLab.Web.ExternalRuns;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Tensors;

/// <summary>
/// Small tensors of a run over HTTP: POST one (the run's owner or an admin, Submit scope), list keys and steps, read one.
/// Reads follow the run-read policy like the run's metrics.
/// </summary>
public static class TensorEndpoints
{
    public static IEndpointRouteBuilder MapTensorApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization(LabPolicies.Read);
        api.MapPost("/runs/{id:long}/tensors", PostAsync).RequireAuthorization(LabPolicies.Submit);
        api.MapGet("/runs/{id:long}/tensors", ListAsync);
        api.MapGet("/runs/{id:long}/tensors/{key}", ReadAsync);
        return app;
    }

    private static async Task<IResult> PostAsync(
        long id, HttpContext context, ClaimsPrincipal user, IDbContextFactory<LabDbContext> dbFactory, TensorStore store, CancellationToken ct)
    {
        var (_, refusal) = await ExternalRunEndpoints.FindWritableAsync(dbFactory, id, user, requireExternalRunning: false, ct);
        if (refusal is not null) return refusal;
        var (document, error) = await JsonBody.ReadAsync(context, ct);
        if (error is not null) return error;
        using var _ = document;
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var tensor = Parse(document!.RootElement, store.Limits.MaxElements, errors);
        if (tensor is null) return JsonBody.Invalid(errors);
        return await store.StoreAsync(id, tensor, ct) switch
        {
            TensorStoreOutcome.OverRunCap => JsonBody.Invalid("data",
                $"The run's tensors would take more than {store.Limits.MaxBytesPerRun} bytes (4 bytes a value); log fewer steps or smaller tensors."),
            var outcome => TypedResults.Created($"/api/runs/{id}/tensors/{tensor.Key}?step={tensor.Step}",
                new { key = tensor.Key, step = tensor.Step, shape = tensor.Shape, stored = outcome == TensorStoreOutcome.Stored }),
        };
    }

    /// <summary>Reads {key, step, shape, data}; every problem is added under its field and null returned.</summary>
    internal static TensorSample? Parse(JsonElement root, int maxElements, Dictionary<string, List<string>> errors)
    {
        JsonBody.RejectUnknown(root, errors, "", "key", "step", "shape", "data");
        string? key = null;
        if (!JsonBody.TryGet(root, "key", out var keyElement) || keyElement.ValueKind != JsonValueKind.String)
            errors.Add("key", "key is required and must be a string.");
        else if (TensorRules.KeyProblem(key = keyElement.GetString()) is { } keyProblem) errors.Add("key", keyProblem);

        long step = 0;
        if (!JsonBody.TryGet(root, "step", out var stepElement) || stepElement.ValueKind != JsonValueKind.Number
            || !stepElement.TryGetInt64(out step) || step < 0)
            errors.Add("step", "step is required and must be a whole number ≥ 0.");

        var shape = new List<int>();
        if (!JsonBody.TryGet(root, "shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            errors.Add("shape", "shape is required and must be an array of axis sizes, e.g. [3, 4].");
        else
            foreach (var size in shapeElement.EnumerateArray())
            {
                if (size.ValueKind != JsonValueKind.Number || !size.TryGetInt32(out var n)) { errors.Add("shape", "Every axis size must be a whole number."); break; }
                shape.Add(n);
                if (shape.Count > TensorRules.MaxRank) break;
            }

        float[] data = [];
        if (!JsonBody.TryGet(root, "data", out var dataElement) || dataElement.ValueKind != JsonValueKind.Array)
            errors.Add("data", "data is required and must be an array of numbers (row-major).");
        else if (dataElement.GetArrayLength() > maxElements)
            errors.Add("data", $"A tensor may hold at most {maxElements} values; got {dataElement.GetArrayLength()}.");
        else
        {
            data = new float[dataElement.GetArrayLength()];
            var i = 0;
            foreach (var value in dataElement.EnumerateArray())
            {
                // A double beyond float range would become ∞: refused with the non-finite values.
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var d) || !float.IsFinite((float)d))
                {
                    errors.Add($"data[{i}]", "Every value must be a finite number within float32 range; NaN and ∞ are refused.");
                    break;
                }
                data[i++] = (float)d;
            }
        }
        if (!errors.ContainsKey("shape") && !errors.ContainsKey("data") && !errors.Keys.Any(k => k.StartsWith("data[", StringComparison.Ordinal))
            && TensorRules.ShapeProblem(shape, data.Length, maxElements) is { } shapeProblem)
            errors.Add("shape", shapeProblem);
        return errors.Count > 0 ? null : new TensorSample(key!, step, [.. shape], data);
    }

    private static async Task<IResult> ListAsync(long id, IDbContextFactory<LabDbContext> dbFactory, TensorStore store, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.Runs.AnyAsync(r => r.Id == id, ct)) return TypedResults.NotFound();
        return TypedResults.Ok(new { tensors = await store.ListAsync(id, ct) });
    }

    private static async Task<IResult> ReadAsync(long id, string key, long? step, TensorStore store, CancellationToken ct) =>
        await store.ReadAsync(id, key, step, ct) is { } tensor ? TypedResults.Ok(tensor) : TypedResults.NotFound();
}
