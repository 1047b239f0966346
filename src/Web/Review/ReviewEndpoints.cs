using System.Security.Claims;
using LayerLab.Web.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LayerLab.Web.Review;

/// <summary>The HTTP API for discussion, review state, tags and notes of a run.</summary>
public static class ReviewEndpoints
{
    public static IEndpointRouteBuilder MapReviewApi(this IEndpointRouteBuilder app)
    {
        var runs = app.MapGroup("/api/runs/{id:long}").RequireAuthorization(LabPolicies.Read);
        runs.MapGet("/comments", CommentsAsync);
        runs.MapPost("/comments", AddCommentAsync).RequireAuthorization(LabPolicies.Submit);
        runs.MapPut("/comments/{commentId:long}", EditCommentAsync).RequireAuthorization(LabPolicies.Submit);
        runs.MapDelete("/comments/{commentId:long}", DeleteCommentAsync).RequireAuthorization(LabPolicies.Submit);
        runs.MapGet("/review", ReviewAsync);
        runs.MapPost("/review", SetReviewAsync).RequireAuthorization(LabPolicies.Review);
        runs.MapGet("/tags", TagsAsync);
        runs.MapPut("/tags", SetTagsAsync).RequireAuthorization(LabPolicies.Submit);
        runs.MapPut("/notes", SetNotesAsync).RequireAuthorization(LabPolicies.Submit);
        return app;
    }

    private static async Task<Results<Ok<IReadOnlyList<CommentDto>>, NotFound>> CommentsAsync(long id, ReviewService service, CancellationToken ct) =>
        await service.CommentsAsync(id, ct) is { } comments ? TypedResults.Ok(comments) : TypedResults.NotFound();

    private static async Task<IResult> AddCommentAsync(long id, CommentBody body, ClaimsPrincipal user, ReviewService service, CancellationToken ct) =>
        ToResult(await service.AddCommentAsync(id, body, ReviewActor.From(user), ct), c => TypedResults.Created($"/api/runs/{id}/comments/{c.Id}", c));

    private static async Task<IResult> EditCommentAsync(long id, long commentId, CommentBody body, ClaimsPrincipal user, ReviewService service, CancellationToken ct) =>
        ToResult(await service.EditCommentAsync(id, commentId, body, ReviewActor.From(user), ct), TypedResults.Ok);

    private static async Task<IResult> DeleteCommentAsync(long id, long commentId, ClaimsPrincipal user, ReviewService service, CancellationToken ct) =>
        await service.DeleteCommentAsync(id, commentId, ReviewActor.From(user), ct) switch
        {
            ReviewOutcome.Ok => TypedResults.NoContent(),
            ReviewOutcome.Forbidden => TypedResults.Forbid(),
            _ => TypedResults.NotFound(),
        };

    private static async Task<Results<Ok<ReviewDto>, NotFound>> ReviewAsync(long id, ReviewService service, CancellationToken ct) =>
        await service.ReviewAsync(id, ct) is { } review ? TypedResults.Ok(review) : TypedResults.NotFound();

    private static async Task<IResult> SetReviewAsync(long id, ReviewBody body, ClaimsPrincipal user, ReviewService service, CancellationToken ct) =>
        ToResult(await service.SetReviewAsync(id, body, ReviewActor.From(user), ct), TypedResults.Ok);

    private static async Task<Results<Ok<IReadOnlyList<string>>, NotFound>> TagsAsync(long id, ReviewService service, CancellationToken ct) =>
        await service.TagsAsync(id, ct) is { } tags ? TypedResults.Ok(tags) : TypedResults.NotFound();

    private static async Task<IResult> SetTagsAsync(long id, TagsBody body, ClaimsPrincipal user, ReviewService service, CancellationToken ct) =>
        ToResult(await service.SetTagsAsync(id, body.Tags, ReviewActor.From(user), ct), TypedResults.Ok);

    private static async Task<IResult> SetNotesAsync(long id, NotesBody body, ClaimsPrincipal user, ReviewService service, CancellationToken ct) =>
        await service.SetNotesAsync(id, body.Notes, ReviewActor.From(user), ct) switch
        {
            ReviewOutcome.Ok => TypedResults.NoContent(),
            ReviewOutcome.Forbidden => TypedResults.Forbid(),
            ReviewOutcome.Invalid => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["notes"] = ["notes must be at most 10000 characters."] }),
            _ => TypedResults.NotFound(),
        };

    private static IResult ToResult<T>(ReviewResult<T> result, Func<T, IResult> ok) => result.Outcome switch
    {
        ReviewOutcome.Ok => ok(result.Value!),
        ReviewOutcome.Forbidden => TypedResults.Forbid(),
        ReviewOutcome.Invalid => TypedResults.ValidationProblem(result.Errors!),
        _ => TypedResults.NotFound(),
    };
}
