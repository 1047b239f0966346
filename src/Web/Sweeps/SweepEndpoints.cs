using System.Security.Claims;
using LayerLab.Web.Accounts;
using LayerLab.Web.Runs;
using LayerLab.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LayerLab.Web.Sweeps;

/// <summary>The HTTP API for sweeps: preview, submit, list, read, cancel all, re-queue failed.</summary>
public static class SweepEndpoints
{
    /// <summary>Room for every axis at the cap with long text values; a real definition is far smaller.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    public static IEndpointRouteBuilder MapSweepApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/sweeps").RequireAuthorization(LabPolicies.Read);
        // A sweep definition is a few kilobytes; the cap keeps a huge body from being buffered and parsed at all.
        api.MapPost("/preview", Preview).RequireAuthorization(LabPolicies.Submit).WithMetadata(new BodySizeCap(MaxBodyBytes));
        api.MapPost("", SubmitAsync).RequireAuthorization(LabPolicies.Submit).WithMetadata(new BodySizeCap(MaxBodyBytes));
        api.MapGet("", ListAsync);
        api.MapGet("/{id:long}", GetAsync);
        api.MapPost("/{id:long}/cancel", CancelAsync).RequireAuthorization(LabPolicies.Submit);
        api.MapPost("/{id:long}/requeue", RequeueAsync).RequireAuthorization(LabPolicies.Submit);
        return app;
    }

    private static Results<Ok<SweepPreviewDto>, ValidationProblem> Preview(SubmitSweepBody body, SweepSubmission submission, CancellationToken ct)
    {
        var definition = body.ToDefinition(out var errors);
        if (definition is null) return Problem(errors);
        var preview = submission.Preview(definition, ct);
        return preview.IsValid
            ? TypedResults.Ok(new SweepPreviewDto(preview.Configurations, preview.Runs, preview.MaxRuns))
            : Problem(preview.Errors);
    }

    private static async Task<Results<Created<SweepDto>, ValidationProblem>> SubmitAsync(
        SubmitSweepBody body, ClaimsPrincipal user, SweepSubmission submission, SweepReader reader, CancellationToken ct)
    {
        var definition = body.ToDefinition(out var errors);
        if (definition is null) return Problem(errors);
        var result = await submission.SubmitAsync(definition, RunActor.From(user), ct);
        if (!result.Succeeded) return Problem(result.Errors);
        var details = await reader.GetAsync(result.SweepId!.Value, ct);
        return TypedResults.Created($"/api/sweeps/{result.SweepId}", SweepDto.From(details!));
    }

    private static async Task<IEnumerable<SweepSummaryDto>> ListAsync(SweepReader reader, CancellationToken ct, int take = 100) =>
        (await reader.ListAsync(take, ct)).Select(s => SweepSummaryDto.From(s.Sweep, s.Progress));

    private static async Task<Results<Ok<SweepDto>, NotFound>> GetAsync(long id, SweepReader reader, CancellationToken ct) =>
        await reader.GetAsync(id, ct) is { } details ? TypedResults.Ok(SweepDto.From(details)) : TypedResults.NotFound();

    private static async Task<Results<Ok<SweepActionDto>, NotFound, ForbidHttpResult>> CancelAsync(
        long id, ClaimsPrincipal user, SweepCommands commands, CancellationToken ct) =>
        ToResult(await commands.CancelAsync(id, RunActor.From(user), ct));

    private static async Task<Results<Ok<SweepActionDto>, NotFound, ForbidHttpResult>> RequeueAsync(
        long id, ClaimsPrincipal user, SweepCommands commands, CancellationToken ct) =>
        ToResult(await commands.RequeueAsync(id, RunActor.From(user), ct));

    private static Results<Ok<SweepActionDto>, NotFound, ForbidHttpResult> ToResult(SweepActionResult result) => result.Outcome switch
    {
        SweepActionOutcome.NotFound => TypedResults.NotFound(),
        SweepActionOutcome.Forbidden => TypedResults.Forbid(),
        _ => TypedResults.Ok(new SweepActionDto(result.Runs)),
    };

    private static ValidationProblem Problem(IReadOnlyDictionary<string, string> errors) =>
        TypedResults.ValidationProblem(errors.ToDictionary(e => e.Key, e => new[] { e.Value }));
}

/// <summary>How many runs a sweep-wide action touched.</summary>
public sealed record SweepActionDto(int Runs);
