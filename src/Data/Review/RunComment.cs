namespace LayerLab.Data.Review;

/// <summary>A markdown comment on a run; replies point at a top-level comment (one level deep).</summary>
public sealed class RunComment
{
    public const int MaxBodyLength = 10_000;

    public long Id { get; set; }
    public long RunId { get; set; }
    public long? ParentId { get; set; }
    public required string AuthorId { get; set; }
    public required string AuthorName { get; set; }
    public required string Body { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? EditedAt { get; set; }
    public List<RunCommentMention> Mentions { get; set; } = [];
}

/// <summary>An existing user named in a comment as <c>@email</c> or <c>@name</c>; <see cref="Handle"/> is the text as written.</summary>
public sealed class RunCommentMention
{
    public long CommentId { get; set; }
    public required string UserId { get; set; }
    public required string Handle { get; set; }
}
