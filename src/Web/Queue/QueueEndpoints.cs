using System.Security.Claims;
using System.Text.Json.Serialization;
using LayerLab.Web.Accounts;
using LayerLab.Web.Runs;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LayerLab.Web.Queue;

/// <summary>Body of POST /api/runs/{id}/priority.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class PriorityBody
{
    public int? Priority { get; set; }
}

/// <summary>GET /api/queue (pending in dispatch order, running with ETA) and POST /api/runs/{id}/priority.</summary>
public static class QueueEndpoints
{
    public static IEndpointRouteBuilder MapQueueApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization(LabPolicies.Read);
        api.MapGet("/queue", (QueueQueries queries, CancellationToken ct, int take = 500) =>
            queries.SnapshotAsync(Math.Clamp(take, 1, 5000), ct));
        api.MapPost("/runs/{id:long}/priority", SetPriorityAsync).RequireAuthorization(LabPolicies.Submit);
        return app;
    }

    private static async Task<Results<Ok<PriorityResult>, ValidationProblem, NotFound, Conflict<string>, ForbidHttpResult>> SetPriorityAsync(
        long id, PriorityBody body, ClaimsPrincipal user, RunPriorities priorities, CancellationToken ct)
    {
        if (body.Priority is not { } priority)
            return Invalid($"priority is required: an integer from {RunPriorities.Min} to {RunPriorities.Max} (higher goes first).");
        return await priorities.SetAsync(id, priority, RunActor.From(user), ct) switch
        {
            PriorityOutcome.OutOfRange => Invalid($"priority must be between {RunPriorities.Min} and {RunPriorities.Max}."),
            PriorityOutcome.NotFound => TypedResults.NotFound(),
            PriorityOutcome.Forbidden => TypedResults.Forbid(),
            PriorityOutcome.NotQueued => TypedResults.Conflict("Only a queued run has a priority to change."),
            _ => TypedResults.Ok(new PriorityResult(id, priority)),
        };
    }

    private static ValidationProblem Invalid(string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["priority"] = [message] });
}

public sealed record PriorityResult(long RunId, int Priority);
