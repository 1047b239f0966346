using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.SignalR;

namespace LayerLab.Web.Security;

/// <summary>
/// The open SignalR connections, by the API token and by the user they were authenticated as. A hub checks
/// authorization only when a connection opens, so without this a revoked token (or a demoted user) would keep
/// receiving live metrics for as long as the socket stays up. Revocation and role changes close them here.
/// </summary>
public sealed class HubConnections
{
    private readonly ConcurrentDictionary<string, (string? TokenId, string? UserId, HubCallerContext Context)> _open = new();

    public void Add(HubCallerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _open[context.ConnectionId] = (context.User?.FindFirstValue("token_id"), context.UserIdentifier, context);
    }

    public void Remove(HubCallerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _open.TryRemove(context.ConnectionId, out _);
    }

    /// <summary>Closes every connection opened with this token.</summary>
    public int AbortToken(long tokenId) =>
        Abort(c => c.TokenId == tokenId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Closes every connection of this user, by cookie or token (their roles changed: they reconnect as they now are).</summary>
    public int AbortUser(string userId) => Abort(c => c.UserId == userId);

    private int Abort(Func<(string? TokenId, string? UserId, HubCallerContext Context), bool> match)
    {
        var closed = 0;
        foreach (var (id, connection) in _open)
        {
            if (!match(connection)) continue;
            connection.Context.Abort();
            _open.TryRemove(id, out _);
            closed++;
        }
        return closed;
    }
}

/// <summary>Registers every hub connection with <see cref="HubConnections"/> for as long as it is open.</summary>
public sealed class HubConnectionTracking(HubConnections connections) : IHubFilter
{
    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        connections.Add(context.Context);
        await next(context);
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        connections.Remove(context.Context);
        await next(context, exception);
    }
}
