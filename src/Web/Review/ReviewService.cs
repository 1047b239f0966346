using System.Text.RegularExpressions;
using LayerLab.Data;
using LayerLab.Data.Review;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Review;

/// <summary>Comments, review state, tags and notes of runs. Every rule is checked here, so the page and the API agree.</summary>
public sealed partial class ReviewService(IDbContextFactory<LabDbContext> dbFactory, TimeProvider clock)
{
    public async Task<IReadOnlyList<CommentDto>?> CommentsAsync(long runId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.Runs.AnyAsync(r => r.Id == runId, ct)) return null;
        var comments = await db.RunComments.AsNoTracking().Include(c => c.Mentions)
            .Where(c => c.RunId == runId).OrderBy(c => c.Id).ToListAsync(ct);
        return comments.Select(CommentDto.From).ToList();
    }

    public async Task<ReviewResult<CommentDto>> AddCommentAsync(long runId, CommentBody body, ReviewActor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.Runs.AnyAsync(r => r.Id == runId, ct)) return ReviewResult.NotFound<CommentDto>();
        if (!actor.MayComment) return ReviewResult.Forbidden<CommentDto>();
        if (BodyError(body.Body) is { } error) return ReviewResult.Invalid<CommentDto>("body", error);
        if (body.ParentId is { } parentId)
        {
            var parent = await db.RunComments.AsNoTracking().FirstOrDefaultAsync(c => c.Id == parentId && c.RunId == runId, ct);
            if (parent is null) return ReviewResult.Invalid<CommentDto>("parentId", "The parent comment does not exist on this run.");
            if (parent.ParentId is not null) return ReviewResult.Invalid<CommentDto>("parentId", "Replies go to top-level comments (one level).");
        }
        var comment = new RunComment
        {
            RunId = runId, ParentId = body.ParentId, AuthorId = actor.UserId, AuthorName = actor.UserName,
            Body = body.Body!, CreatedAt = clock.GetUtcNow(),
            Mentions = await ResolveMentionsAsync(db, body.Body!, ct),
        };
        db.RunComments.Add(comment);
        await db.SaveChangesAsync(ct);
        return ReviewResult.Success<CommentDto>(CommentDto.From(comment));
    }

    public async Task<ReviewResult<CommentDto>> EditCommentAsync(long runId, long commentId, CommentBody body, ReviewActor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var comment = await db.RunComments.Include(c => c.Mentions).FirstOrDefaultAsync(c => c.Id == commentId && c.RunId == runId, ct);
        if (comment is null) return ReviewResult.NotFound<CommentDto>();
        if (!actor.MayComment || comment.AuthorId != actor.UserId) return ReviewResult.Forbidden<CommentDto>();
        if (BodyError(body.Body) is { } error) return ReviewResult.Invalid<CommentDto>("body", error);
        comment.Body = body.Body!;
        comment.EditedAt = clock.GetUtcNow();
        comment.Mentions.Clear();
        comment.Mentions.AddRange(await ResolveMentionsAsync(db, body.Body!, ct));
        await db.SaveChangesAsync(ct);
        return ReviewResult.Success<CommentDto>(CommentDto.From(comment));
    }

    /// <summary>Authors delete their own comments, admins any; replies go with their parent.</summary>
    public async Task<ReviewOutcome> DeleteCommentAsync(long runId, long commentId, ReviewActor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var comment = await db.RunComments.FirstOrDefaultAsync(c => c.Id == commentId && c.RunId == runId, ct);
        if (comment is null) return ReviewOutcome.NotFound;
        if (!actor.IsAdmin && !(actor.MayComment && comment.AuthorId == actor.UserId)) return ReviewOutcome.Forbidden;
        db.RunComments.Remove(comment);
        await db.SaveChangesAsync(ct);
        return ReviewOutcome.Ok;
    }

    public async Task<ReviewDto?> ReviewAsync(long runId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var state = await db.Runs.Where(r => r.Id == runId).Select(r => (ReviewState?)r.ReviewState).FirstOrDefaultAsync(ct);
        if (state is null) return null;
        var history = await db.RunReviewEvents.AsNoTracking().Where(e => e.RunId == runId).OrderBy(e => e.Id).ToListAsync(ct);
        return new ReviewDto(runId, state.Value, history.Select(ReviewEventDto.Of).ToList());
    }

    /// <summary>Sets the state and appends the history row in one transaction. Not on one's own run; a comment unless Approved.</summary>
    public async Task<ReviewResult<ReviewDto>> SetReviewAsync(long runId, ReviewBody body, ReviewActor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.FirstOrDefaultAsync(r => r.Id == runId, ct);
        if (run is null) return ReviewResult.NotFound<ReviewDto>();
        if (!actor.MayReview(run.SubmittedById)) return ReviewResult.Forbidden<ReviewDto>();
        if (body.State is not { } state || !Enum.IsDefined(state))
            return ReviewResult.Invalid<ReviewDto>("state", "state must be one of Unreviewed, Approved, ChangesRequested, Rejected.");
        var comment = string.IsNullOrWhiteSpace(body.Comment) ? null : body.Comment.Trim();
        if (comment is null && state != ReviewState.Approved)
            return ReviewResult.Invalid<ReviewDto>("comment", $"A comment is required when the state is {state}.");
        if (comment is { Length: > RunComment.MaxBodyLength })
            return ReviewResult.Invalid<ReviewDto>("comment", $"comment must be at most {RunComment.MaxBodyLength} characters.");

        db.RunReviewEvents.Add(new RunReviewEvent
        {
            RunId = runId, ReviewerId = actor.UserId, ReviewerName = actor.UserName,
            From = run.ReviewState, To = state, Comment = comment, At = clock.GetUtcNow(),
        });
        run.ReviewState = state;
        await db.SaveChangesAsync(ct); // one SaveChanges = one transaction for the state and its history row
        return ReviewResult.Success<ReviewDto>((await ReviewAsync(runId, ct))!);
    }

    public async Task<IReadOnlyList<string>?> TagsAsync(long runId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.Runs.AnyAsync(r => r.Id == runId, ct)) return null;
        return await db.RunTags.Where(t => t.RunId == runId).OrderBy(t => t.Tag).Select(t => t.Tag).ToListAsync(ct);
    }

    /// <summary>Replaces the run's tags; the run's author and admins only.</summary>
    public async Task<ReviewResult<IReadOnlyList<string>>> SetTagsAsync(long runId, IReadOnlyList<string>? tags, ReviewActor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct);
        if (run is null) return ReviewResult.NotFound<IReadOnlyList<string>>();
        if (!actor.IsAdmin && !(actor.MayComment && run.SubmittedById == actor.UserId)) return ReviewResult.Forbidden<IReadOnlyList<string>>();
        var wanted = (tags ?? []).Select(t => (t ?? "").Trim()).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (wanted.Count > RunTag.MaxPerRun)
            return ReviewResult.Invalid<IReadOnlyList<string>>("tags", $"At most {RunTag.MaxPerRun} tags per run.");
        if (wanted.FirstOrDefault(t => t.Length > RunTag.MaxLength || !TagPattern().IsMatch(t)) is { } bad)
            return ReviewResult.Invalid<IReadOnlyList<string>>("tags", $"Tag '{bad}' must be 1–{RunTag.MaxLength} characters of a-z 0-9 - _ .");
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.RunTags.Where(t => t.RunId == runId).ExecuteDeleteAsync(ct);
        db.RunTags.AddRange(wanted.Select(t => new RunTag { RunId = runId, Tag = t }));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return ReviewResult.Success<IReadOnlyList<string>>(wanted.Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>Replaces the run's notes (markdown); the run's author and admins only.</summary>
    public async Task<ReviewOutcome> SetNotesAsync(long runId, string? notes, ReviewActor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.FirstOrDefaultAsync(r => r.Id == runId, ct);
        if (run is null) return ReviewOutcome.NotFound;
        if (!actor.IsAdmin && !(actor.MayComment && run.SubmittedById == actor.UserId)) return ReviewOutcome.Forbidden;
        if (notes is { Length: > RunComment.MaxBodyLength }) return ReviewOutcome.Invalid;
        run.Notes = string.IsNullOrWhiteSpace(notes) ? null : notes;
        await db.SaveChangesAsync(ct);
        return ReviewOutcome.Ok;
    }

    private static string? BodyError(string? body) =>
        string.IsNullOrWhiteSpace(body) ? "body is required."
        : body.Length > RunComment.MaxBodyLength ? $"body must be at most {RunComment.MaxBodyLength} characters."
        : null;

    /// <summary>Handles that name an existing user by email, user name or display name.</summary>
    private static async Task<List<RunCommentMention>> ResolveMentionsAsync(LabDbContext db, string body, CancellationToken ct)
    {
        var handles = CommentMarkdown.FindHandles(body);
        if (handles.Count == 0) return [];
        var upper = handles.Select(h => h.ToUpperInvariant()).ToList();
        var users = await db.Users.AsNoTracking()
            .Where(u => upper.Contains(u.NormalizedEmail!) || upper.Contains(u.NormalizedUserName!) || handles.Contains(u.DisplayName!))
            .Select(u => new { u.Id, u.NormalizedEmail, u.NormalizedUserName, u.DisplayName }).ToListAsync(ct);
        var mentions = new List<RunCommentMention>();
        foreach (var handle in handles)
        {
            var key = handle.ToUpperInvariant();
            var user = users.FirstOrDefault(u => u.NormalizedEmail == key || u.NormalizedUserName == key
                || string.Equals(u.DisplayName, handle, StringComparison.OrdinalIgnoreCase));
            if (user is not null && mentions.TrueForAll(m => m.UserId != user.Id))
                mentions.Add(new RunCommentMention { UserId = user.Id, Handle = handle });
        }
        return mentions;
    }

    [GeneratedRegex(@"^[a-z0-9_.-]{1,50}\z", RegexOptions.CultureInvariant)] // \z, not $: $ also matches before a final newline
    private static partial Regex TagPattern();
}
