using LayerLab.Data;
using LayerLab.Data.Notifications;
using LayerLab.Data.Runs;
using LayerLab.Web.Runs;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Notifications;

/// <summary>
/// Notifications in the portal: stored per person, pushed live to their browsers (SignalR user) and to this
/// process's Blazor components (the bell), marked read. Anything may notify: runs ending here, sweeps later.
/// </summary>
public sealed class Notifier(
    IDbContextFactory<LabDbContext> dbFactory, IHubContext<NotificationHub, INotificationClient> hub, TimeProvider clock)
    : IRunFinishedSubscriber
{
    /// <summary>Raised with the account id whose notifications changed (created or read); Blazor bells listen.</summary>
    public event Action<string>? Changed;

    public async Task<long> NotifyAsync(string userId, string text, string? link, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentNullException.ThrowIfNull(text);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var notification = new Notification
        {
            UserId = userId,
            Text = text.Length > Notification.MaxTextLength ? text[..Notification.MaxTextLength] : text,
            Link = link,
            CreatedAt = clock.GetUtcNow(),
        };
        db.Notifications.Add(notification);
        await db.SaveChangesAsync(cancellationToken);
        var unread = await UnreadCountAsync(db, userId, cancellationToken);
        Changed?.Invoke(userId);
        await hub.Clients.User(userId).NotificationCreated(
            new NotificationMessage(notification.Id, notification.Text, link, notification.CreatedAt, unread));
        return notification.Id;
    }

    /// <summary>"Run #12 (xor-prelu) succeeded" to the run's submitter. Runs cancelled before they started say nothing
    /// (the person who cancelled a queue of them does not need a bell per run).</summary>
    public Task RunFinishedAsync(Run run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.SubmittedById is not { Length: > 0 } owner || !run.Status.IsFinished()) return Task.CompletedTask;
        // A sweep's runs notify once, as a sweep, when its last run ends (not a bell per run of a 1,000-run sweep).
        if (run.SweepId is { } sweepId) return SweepRunEndedAsync(sweepId, cancellationToken);
        if (run.StartedAt is null) return Task.CompletedTask;
        var outcome = run.Status switch
        {
            RunStatus.Succeeded => "succeeded",
            RunStatus.Failed => "failed" + (string.IsNullOrEmpty(run.Error) ? "" : $": {run.Error}"),
            _ => "was cancelled",
        };
        return NotifyAsync(owner, $"Run #{run.Id} ({run.Name ?? run.ExperimentKey}) {outcome}", $"/runs/{run.Id}", cancellationToken);
    }

    /// <summary>"Sweep #4 (xor-prelu) finished: 10 succeeded, 2 failed" once none of its runs is queued or running.</summary>
    private async Task SweepRunEndedAsync(long sweepId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var statuses = await db.Runs.Where(r => r.SweepId == sweepId).GroupBy(r => r.Status)
            .Select(g => new { Status = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        if (statuses.Any(s => !s.Status.IsFinished())) return;
        var sweep = await db.Sweeps.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sweepId, cancellationToken);
        if (sweep?.SubmittedById is not { Length: > 0 } owner) return;
        var won = await db.Sweeps.Where(s => s.Id == sweepId && s.FinishedNotifiedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.FinishedNotifiedAt, clock.GetUtcNow()), cancellationToken);
        if (won == 0) return;
        var parts = statuses.Where(s => s.Count > 0).OrderBy(s => s.Status)
            .Select(s => $"{s.Count} {s.Status.ToString().ToLowerInvariant()}");
        await NotifyAsync(owner, $"Sweep #{sweepId} ({sweep.Name}) finished: {string.Join(", ", parts)}", $"/sweeps/{sweepId}", cancellationToken);
    }

    public async Task<int> UnreadCountAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await UnreadCountAsync(db, userId, cancellationToken);
    }

    /// <summary>Newest first.</summary>
    public async Task<List<Notification>> ListAsync(string userId, int take, bool unreadOnly, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Notifications.AsNoTracking().Where(n => n.UserId == userId);
        if (unreadOnly) query = query.Where(n => n.ReadAt == null);
        return await query.OrderByDescending(n => n.Id).Take(Math.Clamp(take, 1, 500)).ToListAsync(cancellationToken);
    }

    /// <summary>Marks one (by id) or all of this person's notifications read. Returns how many changed; someone else's
    /// notification counts as not found (0).</summary>
    public async Task<int> MarkReadAsync(string userId, long? notificationId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var query = db.Notifications.Where(n => n.UserId == userId && n.ReadAt == null);
        if (notificationId is { } id) query = query.Where(n => n.Id == id);
        var changed = await query.ExecuteUpdateAsync(s => s.SetProperty(n => n.ReadAt, now), cancellationToken);
        if (changed > 0)
        {
            Changed?.Invoke(userId);
            await hub.Clients.User(userId).UnreadChanged(new UnreadMessage(await UnreadCountAsync(db, userId, cancellationToken)));
        }
        return changed;
    }

    public async Task<bool> ExistsAsync(string userId, long notificationId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Notifications.AnyAsync(n => n.Id == notificationId && n.UserId == userId, cancellationToken);
    }

    private static Task<int> UnreadCountAsync(LabDbContext db, string userId, CancellationToken cancellationToken) =>
        db.Notifications.CountAsync(n => n.UserId == userId && n.ReadAt == null, cancellationToken);
}
