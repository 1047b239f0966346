using System.Security.Claims;
using LayerLab.Data.Accounts;

namespace LayerLab.Web.Review;

/// <summary>Who acts in review and discussion, with the rights their roles give.</summary>
public sealed record ReviewActor(string UserId, string UserName, bool IsAdmin, bool IsReviewer, bool IsResearcher)
{
    public static ReviewActor From(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var isAdmin = user.IsInRole(LabRoles.Admin);
        var isReviewer = isAdmin || user.IsInRole(LabRoles.Reviewer);
        return new ReviewActor(
            user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? "",
            user.Identity?.Name ?? "",
            isAdmin, isReviewer, isReviewer || user.IsInRole(LabRoles.Researcher));
    }

    public bool MayComment => IsResearcher && UserId.Length > 0;

    /// <summary>Reviewers and admins review other people's runs, never their own.</summary>
    public bool MayReview(string? runAuthorId) => IsReviewer && UserId.Length > 0 && runAuthorId != UserId;
}

public enum ReviewOutcome { Ok, NotFound, Forbidden, Invalid }

/// <summary>What a review command answers: a value, or why not (with field errors for <see cref="ReviewOutcome.Invalid"/>).</summary>
public sealed record ReviewResult<T>(ReviewOutcome Outcome, T? Value = default, IReadOnlyDictionary<string, string[]>? Errors = null);

public static class ReviewResult
{
    public static ReviewResult<T> Success<T>(T value) => new(ReviewOutcome.Ok, value);
    public static ReviewResult<T> NotFound<T>() => new(ReviewOutcome.NotFound);
    public static ReviewResult<T> Forbidden<T>() => new(ReviewOutcome.Forbidden);
    public static ReviewResult<T> Invalid<T>(string field, string message) =>
        new(ReviewOutcome.Invalid, default, new Dictionary<string, string[]> { [field] = [message] });
}
