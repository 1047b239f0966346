using System.Security.Claims;
using System.Text;
using LayerLab.Data.Review;
using LayerLab.Training.Contracts;
using LayerLab.Training.Studies;
using LayerLab.Web.Accounts;
using LayerLab.Web.Runs;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LayerLab.Web.Studies;

/// <summary>The HTTP API for studies: the declared ones per experiment, submit, save a sweep as one, read, CSV, review, re-run.</summary>
public static class StudyEndpoints
{
    public static IEndpointRouteBuilder MapStudyApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/experiments/{key}/studies", ListDeclared).RequireAuthorization(LabPolicies.Read);
        // Any sweep saved as a study with the caller's own figure: a few short fields, so a small body cap.
        app.MapPost("/api/sweeps/{id:long}/study", SaveSweepAsync).RequireAuthorization(LabPolicies.Submit)
            .WithMetadata(new LayerLab.Web.Security.BodySizeCap(16 * 1024));
        var api = app.MapGroup("/api/studies").RequireAuthorization(LabPolicies.Read);
        api.MapPost("", SubmitAsync).RequireAuthorization(LabPolicies.Submit);
        api.MapGet("", ListAsync);
        api.MapGet("/{id:long}", GetAsync);
        api.MapGet("/{id:long}/csv", CsvAsync);
        api.MapGet("/{id:long}/figure.svg", SvgAsync);
        api.MapPost("/{id:long}/rerun", RerunAsync).RequireAuthorization(LabPolicies.Submit);
        api.MapPost("/{id:long}/review", ReviewAsync).RequireAuthorization(LabPolicies.Review);
        return app;
    }

    private static Results<Ok<IEnumerable<StudyInfoDto>>, NotFound> ListDeclared(string key, ExperimentCatalog catalog) =>
        catalog.Find(key) is { } experiment
            ? TypedResults.Ok(StudyCatalog.Of(experiment).Select(s => StudyDtos.Info(experiment, s)))
            : TypedResults.NotFound();

    private static async Task<Results<Created<StudyDto>, ValidationProblem>> SubmitAsync(
        SubmitStudyBody body, ClaimsPrincipal user, StudySubmission submission, StudyReader reader, CancellationToken ct)
    {
        var overrides = body.ToOverrides(out var errors);
        if (overrides is null) return Problem(errors);
        var result = await submission.SubmitAsync(body.Experiment, body.Study, overrides, RunActor.From(user), null, ct);
        if (!result.Succeeded) return Problem(result.Errors);
        var state = await reader.GetAsync(result.StudyId!.Value, ct);
        return TypedResults.Created($"/api/studies/{result.StudyId}", StudyDtos.From(state!));
    }

    private static async Task<Results<Created<StudyDto>, NotFound, ValidationProblem>> SaveSweepAsync(
        long id, SaveSweepStudyBody body, ClaimsPrincipal user, SweepStudySaver saver, StudyReader reader, CancellationToken ct)
    {
        var result = await saver.SaveAsync(id, body, RunActor.From(user), ct);
        if (result.SweepMissing) return TypedResults.NotFound();
        if (!result.Succeeded) return Problem(result.Errors);
        return TypedResults.Created($"/api/studies/{result.StudyId}", StudyDtos.From((await reader.GetAsync(result.StudyId!.Value, ct))!));
    }

    private static async Task<IEnumerable<StudySummaryDto>> ListAsync(StudyReader reader, CancellationToken ct, string? experiment = null, int take = 100) =>
        (await reader.ListAsync(experiment, take, ct)).Select(s => new StudySummaryDto(s.Id, s.ExperimentKey, s.StudyKey, s.Title, s.SweepId,
            s.SubmittedBy, s.CreatedAt, s.ReviewState.ToString()));

    private static async Task<Results<Ok<StudyDto>, NotFound>> GetAsync(long id, StudyReader reader, CancellationToken ct) =>
        await reader.GetAsync(id, ct) is { } state ? TypedResults.Ok(StudyDtos.From(state)) : TypedResults.NotFound();

    private static async Task<Results<FileContentHttpResult, NotFound>> CsvAsync(long id, StudyReader reader, CancellationToken ct) =>
        await reader.GetAsync(id, ct) is { } state
            ? TypedResults.File(Encoding.UTF8.GetBytes(StudyDtos.Csv(state)), "text/csv", $"study-{id}-{state.Row.StudyKey}.csv")
            : TypedResults.NotFound();

    /// <param name="figure">0 (default) the main figure, 1… the further ones (<see cref="StudyDefinition.MoreFigures"/>);
    /// one the study does not have is a 404.</param>
    private static async Task<Results<FileContentHttpResult, NotFound>> SvgAsync(long id, StudyReader reader, CancellationToken ct, int figure = 0)
    {
        if (await reader.GetAsync(id, ct) is not { } state) return TypedResults.NotFound();
        var dto = StudyDtos.From(state);
        var more = dto.MoreFigures ?? [];
        if (figure < 0 || figure > more.Count) return TypedResults.NotFound();
        var chosen = figure == 0 ? dto.Figure : more[figure - 1];
        var suffix = figure == 0 ? "" : $"-{figure}";
        return TypedResults.File(Encoding.UTF8.GetBytes(StudySvg.Render(chosen)), "image/svg+xml", $"study-{id}-{state.Row.StudyKey}{suffix}.svg");
    }

    private static async Task<Results<Created<StudyDto>, NotFound, ValidationProblem>> RerunAsync(
        long id, ClaimsPrincipal user, StudyReader reader, StudySubmission submission, CancellationToken ct)
    {
        var result = await submission.RerunAsync(id, RunActor.From(user), ct);
        if (result is null) return TypedResults.NotFound();
        if (!result.Succeeded) return Problem(result.Errors);
        return TypedResults.Created($"/api/studies/{result.StudyId}", StudyDtos.From((await reader.GetAsync(result.StudyId!.Value, ct))!));
    }

    private static async Task<Results<Ok<StudySummaryDto>, NotFound, ValidationProblem>> ReviewAsync(
        long id, ReviewStudyBody body, ClaimsPrincipal user, StudySubmission submission, CancellationToken ct)
    {
        if (!Enum.TryParse<ReviewState>(body.State, ignoreCase: true, out var state) || !Enum.IsDefined(state) || int.TryParse(body.State, out _))
            return Problem(new Dictionary<string, string> { ["state"] = "state must be one of Unreviewed, Approved, ChangesRequested, Rejected." });
        var row = await submission.ReviewAsync(id, state, RunActor.From(user), ct);
        return row is null ? TypedResults.NotFound()
            : TypedResults.Ok(new StudySummaryDto(row.Id, row.ExperimentKey, row.StudyKey, row.Title, row.SweepId, row.SubmittedBy, row.CreatedAt, row.ReviewState.ToString()));
    }

    private static ValidationProblem Problem(IReadOnlyDictionary<string, string> errors) =>
        TypedResults.ValidationProblem(errors.ToDictionary(e => e.Key, e => new[] { e.Value }));
}

public sealed record StudySummaryDto(long Id, string Experiment, string Study, string Title, long SweepId, string? SubmittedBy,
    DateTimeOffset CreatedAt, string ReviewState);

[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
public sealed class ReviewStudyBody
{
    public string? State { get; set; }
}
