using System.Collections.Concurrent;
using LayerLab.Training.Worker;
using Microsoft.Extensions.Options;

namespace LayerLab.Web.Workers;

/// <summary>One remote worker as last heard of.</summary>
public sealed record WorkerBeat(string Name, string Device, IReadOnlyList<string> Queues, int Slots, DateTimeOffset FirstSeen, DateTimeOffset LastSeen);

/// <summary>
/// The remote workers the portal has heard from, in memory: heartbeats are frequent and only their recency matters.
/// After a portal restart the list fills again within one heartbeat interval.
/// </summary>
public sealed class WorkerRegistry(TimeProvider clock, IOptions<WorkersOptions> options)
{
    private readonly ConcurrentDictionary<string, WorkerBeat> _workers = new(StringComparer.Ordinal);

    public TimeSpan Timeout => TimeSpan.FromSeconds(Math.Max(1, options.Value.HeartbeatTimeoutSeconds));

    public void Beat(HeartbeatRequest beat)
    {
        ArgumentNullException.ThrowIfNull(beat);
        var now = clock.GetUtcNow();
        _workers.AddOrUpdate(beat.Name,
            _ => new WorkerBeat(beat.Name, beat.Device, beat.Queues, beat.Slots, now, now),
            (_, seen) => seen with { Device = beat.Device, Queues = beat.Queues, Slots = beat.Slots, LastSeen = now });
    }

    /// <summary>A claim is a sign of life too (it can arrive before the worker's first heartbeat).</summary>
    public void Touch(string name, string device)
    {
        var now = clock.GetUtcNow();
        _workers.AddOrUpdate(name,
            _ => new WorkerBeat(name, device, [], 0, now, now),
            (_, seen) => seen with { LastSeen = now });
    }

    public bool IsAlive(string? name) =>
        name is not null && _workers.TryGetValue(name, out var beat) && clock.GetUtcNow() - beat.LastSeen < Timeout;

    /// <summary>Workers heard from within the timeout, by name.</summary>
    public IReadOnlyList<WorkerBeat> Alive()
    {
        var now = clock.GetUtcNow();
        return [.. _workers.Values.Where(w => now - w.LastSeen < Timeout).OrderBy(w => w.Name, StringComparer.Ordinal)];
    }
}
