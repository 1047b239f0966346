using Microsoft.AspNetCore.SignalR;

namespace LayerLab.Web.Live;

/// <summary>What the server pushes to subscribers of a run (browser charts or .NET HubConnections).</summary>
public interface IRunHubClient
{
    Task MetricsAppended(MetricsAppendedMessage message);
    Task RunUpdated(RunUpdatedMessage message);
}

/// <summary>One SignalR group per run ("run:{id}") plus "runs" for every status change.</summary>
public sealed class RunHub : Hub<IRunHubClient>
{
    public const string Path = "/hubs/runs";
    public const string AllRunsGroup = "runs";

    public static string GroupOf(long runId) => $"run:{runId}";

    public Task JoinRun(long runId) => Groups.AddToGroupAsync(Context.ConnectionId, GroupOf(runId));

    public Task LeaveRun(long runId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, GroupOf(runId));

    public Task JoinAllRuns() => Groups.AddToGroupAsync(Context.ConnectionId, AllRunsGroup);
}
