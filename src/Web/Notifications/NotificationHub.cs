using Microsoft.AspNetCore.SignalR;

namespace LayerLab.Web.Notifications;

/// <summary>One person's notification as it travels to their browsers.</summary>
public sealed record NotificationMessage(long Id, string Text, string? Link, DateTimeOffset CreatedAt, int Unread);

/// <summary>The unread count after someone read notifications (in another tab, say).</summary>
public sealed record UnreadMessage(int Unread);

public interface INotificationClient
{
    Task NotificationCreated(NotificationMessage message);
    Task UnreadChanged(UnreadMessage message);
}

/// <summary>
/// Pushes a person's notifications to every connection they have open. SignalR's user targeting (the signed-in
/// account id, ClaimTypes.NameIdentifier) is the user group, so there is nothing to join and no one can listen in
/// on someone else.
/// </summary>
public sealed class NotificationHub : Hub<INotificationClient>
{
    public const string Path = "/hubs/notifications";
}
