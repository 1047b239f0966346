using LayerLab.Data.Review;

namespace LayerLab.Web.Review;

public sealed record CommentDto(long Id, long RunId, long? ParentId, string AuthorId, string AuthorName, string Body, string Html,
    DateTimeOffset CreatedAt, DateTimeOffset? EditedAt, IReadOnlyList<string> Mentions)
{
    public static CommentDto From(RunComment c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var handles = c.Mentions.Select(m => m.Handle).ToList();
        return new(c.Id, c.RunId, c.ParentId, c.AuthorId, c.AuthorName, c.Body, CommentMarkdown.ToSafeHtml(c.Body, handles),
            c.CreatedAt, c.EditedAt, handles);
    }
}

public sealed record ReviewEventDto(long Id, string ReviewerId, string ReviewerName, ReviewState From, ReviewState To, string? Comment, DateTimeOffset At)
{
    public static ReviewEventDto Of(RunReviewEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new(e.Id, e.ReviewerId, e.ReviewerName, e.From, e.To, e.Comment, e.At);
    }
}

public sealed record ReviewDto(long RunId, ReviewState State, IReadOnlyList<ReviewEventDto> History);

public sealed record CommentBody(string? Body, long? ParentId);

public sealed record ReviewBody(ReviewState? State, string? Comment);

public sealed record TagsBody(IReadOnlyList<string>? Tags);

public sealed record NotesBody(string? Notes);
