using Microsoft.AspNetCore.SignalR;

namespace LayerLab.Web.Live;

/// <summary>
/// Fans run changes out to SignalR subscribers and to Blazor components in this process (which run on the
/// server and so listen to a plain .NET event rather than a second SignalR connection).
/// </summary>
public sealed class RunEvents(IHubContext<RunHub, IRunHubClient> hub)
{
    public event Action<RunUpdatedMessage>? RunUpdated;
    public event Action<MetricsAppendedMessage>? MetricsAppended;
    public event Action<TensorLoggedMessage>? TensorLogged;

    public async Task PublishRunUpdatedAsync(RunUpdatedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        RunUpdated?.Invoke(message);
        await hub.Clients.Groups(RunHub.GroupOf(message.RunId), RunHub.AllRunsGroup).RunUpdated(message);
    }

    public async Task PublishMetricsAsync(MetricsAppendedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        MetricsAppended?.Invoke(message);
        await hub.Clients.Group(RunHub.GroupOf(message.RunId)).MetricsAppended(message);
    }

    public async Task PublishTensorLoggedAsync(TensorLoggedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        TensorLogged?.Invoke(message);
        await hub.Clients.Group(RunHub.GroupOf(message.RunId)).TensorLogged(message);
    }
}
