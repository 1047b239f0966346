namespace LayerLab.Web.Queue;

/// <summary>A queued run as the fairness rule sees it. <paramref name="Owner"/> is the submitter's account id.</summary>
public sealed record QueueCandidate(long RunId, string Owner, int Priority, DateTimeOffset QueuedAt);

/// <summary>
/// The order in which queued runs go to the workers. Between people: whoever has the fewest runs running or
/// dispatched goes next (ties: whose next run was queued earliest), so one person's 1,000-run sweep does not starve
/// a colleague's single run. Within one person: higher priority first, then queue time. Pure, so it is unit-tested.
/// </summary>
public static class FairOrder
{
    /// <param name="pending">Queued runs not yet dispatched, in any order.</param>
    /// <param name="activeByOwner">Per owner, runs running or dispatched now (owners not listed have none).</param>
    /// <param name="take">Stop after this many (the dispatcher needs only its free slots; the queue page all).</param>
    /// <remarks>Each pick counts as one more active run for its owner, so the order interleaves people the way the
    /// dispatcher will actually hand runs out as slots free up.</remarks>
    public static IReadOnlyList<QueueCandidate> Order(
        IEnumerable<QueueCandidate> pending, IReadOnlyDictionary<string, int> activeByOwner, int take = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(pending);
        ArgumentNullException.ThrowIfNull(activeByOwner);
        var byOwner = pending
            .GroupBy(c => c.Owner, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new Queue<QueueCandidate>(WithinOwner(g)), StringComparer.Ordinal);
        var next = new PriorityQueue<string, (int Active, DateTimeOffset QueuedAt, long RunId)>();
        foreach (var (owner, runs) in byOwner)
            next.Enqueue(owner, (activeByOwner.GetValueOrDefault(owner), runs.Peek().QueuedAt, runs.Peek().RunId));

        var order = new List<QueueCandidate>(Math.Min(take, byOwner.Values.Sum(q => q.Count)));
        while (order.Count < take && next.TryDequeue(out var owner, out var rank))
        {
            var runs = byOwner[owner];
            order.Add(runs.Dequeue());
            if (runs.Count > 0) next.Enqueue(owner, (rank.Active + 1, runs.Peek().QueuedAt, runs.Peek().RunId));
        }
        return order;
    }

    /// <summary>One person's runs: priority (higher first), then queue time, then id (stable for equal times).</summary>
    public static IEnumerable<QueueCandidate> WithinOwner(IEnumerable<QueueCandidate> runs) =>
        runs.OrderByDescending(c => c.Priority).ThenBy(c => c.QueuedAt).ThenBy(c => c.RunId);
}
