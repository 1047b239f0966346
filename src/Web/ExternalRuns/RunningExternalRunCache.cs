using System.Collections.Concurrent;
using LayerLab.Web.Live;
using Microsoft.Extensions.Options;

namespace LayerLab.Web.ExternalRuns;

/// <summary>
/// Remembers for a few seconds which external runs are Running and who owns them, so the metric logging endpoint
/// (called many times a second per run) checks ownership without a database query. Owner and source never change;
/// the status does, and every status change publishes <see cref="RunEvents.RunUpdated"/>, which drops the run here,
/// so a run that ended (or was cancelled) refuses the next batch. Only the positive answer is cached: unknown,
/// foreign or ended runs are looked up each time. The lifetime bounds changes made outside the portal.
/// </summary>
public sealed class RunningExternalRunCache
{
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<long, Entry> _entries = new();
    private readonly TimeProvider _clock;
    private readonly TimeSpan _lifetime;
    private long _generation;

    private sealed record Entry(string? OwnerId, DateTimeOffset ValidUntil);

    public RunningExternalRunCache(TimeProvider clock, IOptions<Security.AuthOptions> options, RunEvents events)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(events);
        _clock = clock;
        _lifetime = TimeSpan.FromSeconds(Math.Max(0, options.Value.RunAccessCacheSeconds));
        events.RunUpdated += message => Invalidate(message.RunId);
    }

    /// <summary>Read before the database lookup and handed to <see cref="Store"/>: a status change in between wins.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>True with the owner's id when the run was seen Running (external) within the lifetime.</summary>
    public bool TryGetRunning(long runId, out string? ownerId)
    {
        ownerId = null;
        if (!_entries.TryGetValue(runId, out var entry)) return false;
        if (entry.ValidUntil <= _clock.GetUtcNow())
        {
            _entries.TryRemove(runId, out _);
            return false;
        }
        ownerId = entry.OwnerId;
        return true;
    }

    public void Store(long runId, string? ownerId, long generation)
    {
        if (_lifetime <= TimeSpan.Zero) return;
        if (_entries.Count >= MaxEntries) _entries.Clear();
        _entries[runId] = new Entry(ownerId, _clock.GetUtcNow() + _lifetime);
        if (Generation != generation) _entries.TryRemove(runId, out _);
    }

    public void Invalidate(long runId)
    {
        Interlocked.Increment(ref _generation);
        _entries.TryRemove(runId, out _);
    }
}
