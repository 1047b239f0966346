using System.Text.Json;
using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Training.Contracts;
using LayerLab.Training.Jobs;
using LayerLab.Training.Worker;
using LayerLab.Web.Accounts;
using LayerLab.Web.Ingestion;
using LayerLab.Web.Runs;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Workers;

/// <summary>
/// /api/workers/…: what a remote worker calls, with a token of the "worker" scope and nothing else. Each run call maps
/// one <see cref="IRunLedger"/> or <see cref="IRunReporter"/> method onto the portal's own implementation, so remote
/// and in-process workers go through the same compare-and-set on the run's row. A claim is bound to the worker that
/// made it (<see cref="WorkerClaims"/>): every later write must come from the same token and instance, or it is refused.
/// </summary>
public static class WorkerEndpoints
{
    public const int MaxPointsPerPost = WorkerApi.MaxPointsPerPost;
    internal const int MaxNameLength = 200;

    public static void MapWorkerApi(this IEndpointRouteBuilder app)
    {
        // For people: the workers alive now, with the runs they train (the Workers page shows the same).
        app.MapGet(WorkerApi.Prefix, async (WorkerStatusQuery query, CancellationToken ct) => await query.AliveAsync(ct))
            .RequireAuthorization(LabPolicies.Read);

        var api = app.MapGroup(WorkerApi.Prefix).RequireAuthorization(LabPolicies.Worker).DisableAntiforgery();
        api.MapPost("/heartbeat", HeartbeatAsync);
        var runs = api.MapGroup("/runs/{id:long}");
        runs.MapPost("/claim", ClaimAsync);
        runs.MapGet("/cancel-requested", async (long id, IRunLedger ledger, CancellationToken ct) =>
            TypedResults.Ok(new CancelRequestedResponse(await ledger.IsCancelRequestedAsync(id, ct))));
        runs.MapPost("/complete", CompleteAsync);
        runs.MapPost("/fail", FailAsync);
        runs.MapPost("/cancelled", (long id, HttpRequest request, PortalRunLedger ledger, CancellationToken ct) =>
            WithAttemptAsync(id, request, held => ledger.MarkCancelledAsync(held, ct), ct));
        runs.MapPost("/lease", async (long id, HttpRequest request, PortalRunLedger ledger, CancellationToken ct) =>
        {
            var (body, error) = await ReadAsync<AttemptRequest>(request, ct);
            if (error is not null) return error;
            if (body!.Attempt < 1) return Invalid("attempt", "attempt must be at least 1.");
            if (!WorkerClaims.TryHold(request, id, body.Attempt, out var held, out var refusal)) return refusal;
            return TypedResults.Ok(new LeaseResponse(await ledger.RenewLeaseAsync(held, ct)));
        });
        runs.MapPost("/resumed", async (long id, HttpRequest request, PortalRunLedger ledger, CancellationToken ct) =>
        {
            var (body, error) = await ReadAsync<ResumedRequest>(request, ct);
            if (error is not null) return error;
            if (body!.Attempt < 1) return Invalid("attempt", "attempt must be at least 1.");
            if (body.Step < 0) return Invalid("step", "step must not be negative.");
            if (!WorkerClaims.TryHold(request, id, body.Attempt, out var held, out var refusal)) return refusal;
            return WorkerClaims.Written(await ledger.RecordResumeAsync(held, body.Step, ct));
        });
        runs.MapPost("/release", (long id, HttpRequest request, PortalRunLedger ledger, CancellationToken ct) =>
            WithAttemptAsync(id, request, held => ledger.ReleaseAsync(held, ct), ct));
        runs.MapPost("/metrics", MetricsAsync);
        runs.MapPost("/progress", ProgressAsync);
        runs.MapPost("/tensors", TensorAsync);
    }

    private static async Task<IResult> HeartbeatAsync(HttpRequest request, WorkerRegistry registry, CancellationToken ct)
    {
        var (body, error) = await ReadAsync<HeartbeatRequest>(request, ct);
        if (error is not null) return error;
        if (!IsName(body!.Name)) return Invalid("name", $"name must be 1–{MaxNameLength} characters.");
        if (!IsName(body.Device)) return Invalid("device", $"device must be 1–{MaxNameLength} characters.");
        if (body.Queues is null || body.Queues.Length > 20 || body.Queues.Any(q => !IsName(q))) return Invalid("queues", "queues must be a list of up to 20 names.");
        if (body.Slots is < 1 or > 1024) return Invalid("slots", "slots must be between 1 and 1024.");
        registry.Beat(body);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> ClaimAsync(long id, HttpRequest request, PortalRunLedger ledger, WorkerRegistry registry, CancellationToken ct)
    {
        var (body, error) = await ReadAsync<ClaimRequest>(request, ct);
        if (error is not null) return error;
        if (!IsName(body!.Worker)) return Invalid("worker", $"worker must be 1–{MaxNameLength} characters.");
        if (!IsName(body.Device)) return Invalid("device", $"device must be 1–{MaxNameLength} characters.");
        if (!WorkerClaims.TryOwner(request, out var owner, out var refusal)) return refusal;
        registry.Touch(body.Worker, body.Device);
        var claim = await ledger.TryClaimAsync(id, body.Worker, owner, body.Device, ct);
        return TypedResults.Ok(new ClaimResponse(claim is not null, claim?.Attempt ?? 0, claim?.SystemClockStart ?? 0));
    }

    private static async Task<IResult> CompleteAsync(long id, HttpRequest request, PortalRunLedger ledger, CancellationToken ct)
    {
        var (body, error) = await ReadAsync<CompleteRequest>(request, ct);
        if (error is not null) return error;
        if (body!.Attempt < 1) return Invalid("attempt", "attempt must be at least 1.");
        if (!WorkerClaims.TryHold(request, id, body.Attempt, out var held, out var refusal)) return refusal;
        var result = new RunResult(body.Summary ?? [], body.References ?? [], body.Verdict);
        return WorkerClaims.Written(await ledger.CompleteAsync(held, result, ct));
    }

    private static async Task<IResult> FailAsync(long id, HttpRequest request, PortalRunLedger ledger, CancellationToken ct)
    {
        var (body, error) = await ReadAsync<FailRequest>(request, ct);
        if (error is not null) return error;
        if (body!.Attempt < 1) return Invalid("attempt", "attempt must be at least 1.");
        if (string.IsNullOrWhiteSpace(body.Error)) return Invalid("error", "error is required.");
        if (!WorkerClaims.TryHold(request, id, body.Attempt, out var held, out var refusal)) return refusal;
        return WorkerClaims.Written(await ledger.FailAsync(held, body.Error, ct));
    }

    private static async Task<IResult> WithAttemptAsync(long id, HttpRequest request, Func<HeldAttempt, Task<bool>> write, CancellationToken ct)
    {
        var (body, error) = await ReadAsync<AttemptRequest>(request, ct);
        if (error is not null) return error;
        if (body!.Attempt < 1) return Invalid("attempt", "attempt must be at least 1.");
        if (!WorkerClaims.TryHold(request, id, body.Attempt, out var held, out var refusal)) return refusal;
        return WorkerClaims.Written(await write(held));
    }

    /// <summary>Stored idempotently by (run, metric, step) before answering; refused (409) unless the run is Running
    /// with this attempt, claimed by this worker.</summary>
    private static async Task<IResult> MetricsAsync(
        long id, HttpRequest request, IDbContextFactory<LabDbContext> dbFactory, PortalRunLedger ledger, MetricIngestion ingestion, CancellationToken ct)
    {
        var (body, error) = await ReadAsync<MetricsRequest>(request, ct);
        if (error is not null) return error;
        if (body!.Points is null || body.Points.Count > MaxPointsPerPost) return Invalid("points", $"points must be a list of at most {MaxPointsPerPost}.");
        if (body.Attempt < 1) return Invalid("attempt", "attempt must be at least 1.");
        for (var i = 0; i < body.Points.Count; i++)
        {
            var point = body.Points[i];
            if (string.IsNullOrEmpty(point.Key) || point.Key.Length > 200) return Invalid($"points[{i}].key", "key must be 1–200 characters.");
            if (point.Step < 0) return Invalid($"points[{i}].step", "step must not be negative.");
        }
        if (!WorkerClaims.TryHold(request, id, body.Attempt, out var held, out var refusal)) return refusal;
        if (!await ledger.HoldsAsync(held, ct)) return await NotHeldAsync(dbFactory, id, ct);
        await ingestion.StoreAsync(id, body.Points, ct); // answers only once the points are committed
        return TypedResults.NoContent();
    }

    /// <summary>A tensor of a claimed run, under the same rules and caps as POST /api/runs/{id}/tensors.</summary>
    private static async Task<IResult> TensorAsync(
        long id, HttpRequest request, IDbContextFactory<LabDbContext> dbFactory, PortalRunLedger ledger, Tensors.TensorStore tensors, CancellationToken ct)
    {
        var (body, error) = await ReadAsync<TensorRequest>(request, ct);
        if (error is not null) return error;
        if (body!.Attempt < 1) return Invalid("attempt", "attempt must be at least 1.");
        if (TensorRules.KeyProblem(body.Key) is { } keyProblem) return Invalid("key", keyProblem);
        if (body.Step < 0) return Invalid("step", "step must not be negative.");
        if (body.Shape is null || body.Data is null) return Invalid("shape", "shape and data are required.");
        if (TensorRules.ShapeProblem(body.Shape, body.Data.Length, tensors.Limits.MaxElements) is { } shapeProblem) return Invalid("shape", shapeProblem);
        if (TensorRules.ValuesProblem(body.Data) is { } valuesProblem) return Invalid("data", valuesProblem);
        if (!WorkerClaims.TryHold(request, id, body.Attempt, out var held, out var refusal)) return refusal;
        if (!await ledger.HoldsAsync(held, ct)) return await NotHeldAsync(dbFactory, id, ct);
        return await tensors.StoreAsync(id, new TensorSample(body.Key, body.Step, body.Shape, body.Data), ct) == Tensors.TensorStoreOutcome.OverRunCap
            ? Invalid("data", $"The run's tensors would take more than {tensors.Limits.MaxBytesPerRun} bytes.")
            : TypedResults.NoContent();
    }

    private static async Task<IResult> ProgressAsync(
        long id, HttpRequest request, IDbContextFactory<LabDbContext> dbFactory, PortalRunLedger ledger, RunProgressWriter progress, CancellationToken ct)
    {
        var (body, error) = await ReadAsync<ProgressRequest>(request, ct);
        if (error is not null) return error;
        if (!double.IsFinite(body!.Fraction) || body.Fraction is < 0 or > 1) return Invalid("fraction", "fraction must be between 0 and 1.");
        if (body.Attempt < 1) return Invalid("attempt", "attempt must be at least 1.");
        if (!WorkerClaims.TryHold(request, id, body.Attempt, out var held, out var refusal)) return refusal;
        if (!await ledger.HoldsAsync(held, ct)) return await NotHeldAsync(dbFactory, id, ct);
        await progress.ReportAsync(id, body.Fraction, ct);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> NotHeldAsync(IDbContextFactory<LabDbContext> dbFactory, long id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Runs.AnyAsync(r => r.Id == id, ct) ? WorkerClaims.NotHeld() : TypedResults.NotFound();
    }

    /// <summary>Bodies are read with the worker contract's options (NaN allowed), not the portal's defaults.</summary>
    private static async Task<(T? Body, IResult? Error)> ReadAsync<T>(HttpRequest request, CancellationToken ct) where T : class
    {
        if (!request.HasJsonContentType()) return (null, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "The body must be application/json."));
        try
        {
            var body = await request.ReadFromJsonAsync<T>(WorkerApi.Json, ct);
            return body is null ? (null, Invalid("body", "A JSON object is required.")) : (body, null);
        }
        catch (JsonException ex)
        {
            return (null, Invalid("body", $"The body is not valid JSON for this call: {ex.Message}"));
        }
    }

    internal static bool IsName(string? value) => !string.IsNullOrWhiteSpace(value) && value.Length <= MaxNameLength;

    internal static Microsoft.AspNetCore.Http.HttpResults.ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });
}
