using LayerLab.Data;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Live;

/// <summary>What the server pushes to subscribers of a run (browser charts or .NET HubConnections).</summary>
public interface IRunHubClient
{
    Task MetricsAppended(MetricsAppendedMessage message);
    Task RunUpdated(RunUpdatedMessage message);
    Task TensorLogged(TensorLoggedMessage message);
}

/// <summary>One SignalR group per run ("run:{id}") plus "runs" for every status change. Signed-in users only
/// (the endpoint requires the Read policy); a client joins a run's group only if that run exists and it may see it.</summary>
public sealed class RunHub(IDbContextFactory<LabDbContext> dbFactory) : Hub<IRunHubClient>
{
    public const string Path = "/hubs/runs";
    public const string AllRunsGroup = "runs";

    public static string GroupOf(long runId) => $"run:{runId}";

    public async Task JoinRun(long runId)
    {
        // Every signed-in member of the team may see every run today; the check is here so that per-project
        // visibility has one place to go.
        await using var db = await dbFactory.CreateDbContextAsync(Context.ConnectionAborted);
        if (!await db.Runs.AnyAsync(r => r.Id == runId, Context.ConnectionAborted))
            throw new HubException($"Run {runId} does not exist or you may not see it.");
        await Groups.AddToGroupAsync(Context.ConnectionId, GroupOf(runId));
    }

    public Task LeaveRun(long runId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, GroupOf(runId));

    public Task JoinAllRuns() => Groups.AddToGroupAsync(Context.ConnectionId, AllRunsGroup);
}
