namespace LayerLab.Data.Notifications;

/// <summary>A message to one person in the portal ("Run #12 succeeded"), shown under the bell until read.</summary>
public sealed class Notification
{
    public const int MaxTextLength = 500;

    public long Id { get; set; }
    /// <summary>The account it is for (<c>AspNetUsers.Id</c>).</summary>
    public required string UserId { get; set; }
    public required string Text { get; set; }
    /// <summary>Where a click goes (a portal path such as <c>/runs/12</c>); null when there is nowhere to go.</summary>
    public string? Link { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Null while unread.</summary>
    public DateTimeOffset? ReadAt { get; set; }
}
