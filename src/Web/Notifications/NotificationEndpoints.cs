using System.Security.Claims;
using LayerLab.Web.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LayerLab.Web.Notifications;

public sealed record NotificationDto(long Id, string Text, string? Link, DateTimeOffset CreatedAt, bool Read);

public sealed record NotificationListDto(int Unread, IReadOnlyList<NotificationDto> Items);

/// <summary>The signed-in person's own notifications: list, mark one read, mark all read.</summary>
public static class NotificationEndpoints
{
    public static IEndpointRouteBuilder MapNotificationApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/notifications").RequireAuthorization(LabPolicies.Read);
        api.MapGet("", ListAsync);
        // Marking read changes state: a read-only token may list but not write.
        api.MapPost("/{id:long}/read", MarkReadAsync).RequireAuthorization(LabPolicies.Write);
        api.MapPost("/read-all", async (ClaimsPrincipal user, Notifier notifier, CancellationToken ct) =>
            TypedResults.Ok(new { marked = await notifier.MarkReadAsync(UserId(user), null, ct) })).RequireAuthorization(LabPolicies.Write);
        return app;
    }

    private static async Task<NotificationListDto> ListAsync(
        ClaimsPrincipal user, Notifier notifier, CancellationToken ct, int take = 50, bool unreadOnly = false)
    {
        var id = UserId(user);
        var items = await notifier.ListAsync(id, take, unreadOnly, ct);
        return new NotificationListDto(await notifier.UnreadCountAsync(id, ct),
            items.Select(n => new NotificationDto(n.Id, n.Text, n.Link, n.CreatedAt, n.ReadAt is not null)).ToList());
    }

    private static async Task<Results<NoContent, NotFound>> MarkReadAsync(long id, ClaimsPrincipal user, Notifier notifier, CancellationToken ct)
    {
        var userId = UserId(user);
        if (!await notifier.ExistsAsync(userId, id, ct)) return TypedResults.NotFound();
        await notifier.MarkReadAsync(userId, id, ct);
        return TypedResults.NoContent();
    }

    private static string UserId(ClaimsPrincipal user) => user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? "";
}
