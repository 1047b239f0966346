namespace LayerLab.Web.Queue;

/// <summary>
/// When each pending run should start: the workers are slots that free up at known times (now when idle, a running
/// run's ETA when busy); runs take slots in queue order and hold them for their expected duration. Unknown propagates:
/// a slot whose free time is unknown (a run with no history ahead of it) yields "unknown" for whoever lands on it.
/// </summary>
public static class StartEstimates
{
    /// <param name="slotFreeAt">One entry per worker: when it is free (null: unknown).</param>
    /// <param name="durations">Per pending run, in queue order: its expected duration (null: no history).</param>
    public static IReadOnlyList<DateTimeOffset?> Estimate(IReadOnlyList<DateTimeOffset?> slotFreeAt, IReadOnlyList<TimeSpan?> durations)
    {
        ArgumentNullException.ThrowIfNull(slotFreeAt);
        ArgumentNullException.ThrowIfNull(durations);
        var slots = slotFreeAt.ToArray();
        var starts = new DateTimeOffset?[durations.Count];
        if (slots.Length == 0) return starts;
        for (var i = 0; i < durations.Count; i++)
        {
            var slot = EarliestKnown(slots);
            if (slot < 0) break; // every slot unknown: so is every start from here on
            starts[i] = slots[slot];
            slots[slot] = durations[i] is { } d ? slots[slot] + d : null;
        }
        return starts;
    }

    private static int EarliestKnown(DateTimeOffset?[] slots)
    {
        var best = -1;
        for (var i = 0; i < slots.Length; i++)
            if (slots[i] is { } t && (best < 0 || t < slots[best]!.Value)) best = i;
        return best;
    }

    /// <summary>The median of finished durations; null when there are none.</summary>
    public static TimeSpan? Median(IReadOnlyCollection<TimeSpan> durations)
    {
        ArgumentNullException.ThrowIfNull(durations);
        if (durations.Count == 0) return null;
        var sorted = durations.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>A running run's expected finish from elapsed / progress (null before any progress to go on).</summary>
    public static DateTimeOffset? FinishFromProgress(DateTimeOffset startedAt, double progress, DateTimeOffset now)
    {
        if (progress is <= 0.01 or > 1 || double.IsNaN(progress)) return null;
        var elapsed = now - startedAt;
        return startedAt + elapsed / progress;
    }
}
