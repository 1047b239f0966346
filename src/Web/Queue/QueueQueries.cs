using LayerLab.Data;
using LayerLab.Data.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LayerLab.Web.Queue;

/// <summary>A pending run on the queue page and in GET /api/queue. Position 1 starts next.</summary>
public sealed record PendingRunDto(
    int Position, long RunId, string Experiment, string? Owner, string? OwnerId, int Priority,
    DateTimeOffset QueuedAt, bool Dispatched, DateTimeOffset? EstimatedStart);

/// <summary>A running run with its expected finish (elapsed / progress; null before there is progress to go on).</summary>
public sealed record RunningRunDto(
    long RunId, string Experiment, string? Owner, string? OwnerId, string? Worker, string? Device, double Progress,
    DateTimeOffset? StartedAt, double ElapsedSeconds, double? EtaSeconds);

/// <param name="PendingTotal">All pending runs; <paramref name="Pending"/> may hold only the first of them.</param>
public sealed record QueueSnapshot(
    DateTimeOffset At, int Workers, int PendingTotal, IReadOnlyList<PendingRunDto> Pending, IReadOnlyList<RunningRunDto> Running);

/// <summary>The queue as people see it: dispatched runs first (Hangfire starts them next), then the rest in fair order.</summary>
public sealed class QueueQueries(IDbContextFactory<LabDbContext> dbFactory, IOptions<Workers.WorkerOptions> worker, TimeProvider clock)
{
    /// <summary>How many finished runs per experiment the median duration looks at (the newest).</summary>
    private const int DurationHistory = 50;

    /// <summary>
    /// Each owner's first <paramref name="perOwner"/> undispatched runs in their own order (priority, time, id): all
    /// that the first <paramref name="perOwner"/> picks of <see cref="FairOrder"/> can need, since no owner gets more
    /// picks than that. Walks <see cref="PendingRunIndex"/>: the owners by a skip-scan (one index seek per owner), then
    /// each owner's first runs, so a pass costs O(owners × perOwner) whatever the length of the queue.
    /// </summary>
    public static async Task<List<QueueCandidate>> TopPerOwnerAsync(LabDbContext db, int perOwner, CancellationToken cancellationToken)
    {
        if (perOwner <= 0) return [];
        const string owner = PendingRunIndex.Owner, pending = PendingRunIndex.Pending, index = PendingRunIndex.Name;
        // Only constants are interpolated as text; perOwner is a parameter.
        var rows = await db.Database.SqlQueryRaw<CandidateRow>($$"""
            WITH RECURSIVE owners(o) AS (
                SELECT MIN({{owner}}) FROM Runs INDEXED BY {{index}} WHERE {{pending}}
                UNION ALL
                SELECT (SELECT MIN({{owner}}) FROM Runs INDEXED BY {{index}} WHERE {{pending}} AND {{owner}} > o) FROM owners WHERE o IS NOT NULL)
            SELECT r.Id, owners.o AS Owner, r.Priority, r.QueuedAt
            FROM owners JOIN Runs r ON r.Id IN (
                SELECT Id FROM Runs INDEXED BY {{index}} WHERE {{pending}} AND {{owner}} = owners.o ORDER BY Priority DESC, QueuedAt, Id LIMIT {0})
            WHERE owners.o IS NOT NULL
            """, perOwner).ToListAsync(cancellationToken);
        return rows.Select(r => new QueueCandidate(r.Id, r.Owner, r.Priority, new DateTimeOffset(r.QueuedAt, TimeSpan.Zero))).ToList();
    }

    /// <summary>How many runs wait for a dispatch slot: counted on <see cref="PendingRunIndex"/> alone (no table reads).</summary>
    public static Task<int> CountUndispatchedAsync(LabDbContext db, CancellationToken cancellationToken) =>
        db.Database.SqlQueryRaw<int>($"SELECT COUNT(*) AS Value FROM Runs INDEXED BY {PendingRunIndex.Name} WHERE {PendingRunIndex.Pending}").SingleAsync(cancellationToken);

    /// <summary>A row of <see cref="TopPerOwnerAsync"/> (QueuedAt in UTC ticks, as stored).</summary>
    private sealed class CandidateRow
    {
        public long Id { get; init; }
        public string Owner { get; init; } = "";
        public int Priority { get; init; }
        public long QueuedAt { get; init; }
    }

    /// <summary>Per owner: runs running or dispatched (what fairness counts). Two index seeks on (Status, DispatchedAt),
    /// so the many undispatched queued runs are never read.</summary>
    public static async Task<Dictionary<string, int>> ActiveByOwnerAsync(LabDbContext db, CancellationToken cancellationToken)
    {
        var catalog = db.Runs.AsNoTracking().Where(r => r.Source == RunSource.Catalog);
        var owners = await catalog.Where(r => r.Status == RunStatus.Running).Select(r => r.SubmittedById ?? r.SubmittedBy ?? "")
            .Concat(catalog.Where(r => r.Status == RunStatus.Queued && r.DispatchedAt != null).Select(r => r.SubmittedById ?? r.SubmittedBy ?? ""))
            .ToListAsync(cancellationToken);
        return owners.GroupBy(o => o, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
    }

    public int Workers => Math.Max(1, worker.Value.Count);

    public async Task<QueueSnapshot> SnapshotAsync(int take, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var running = await db.Runs.AsNoTracking()
            .Where(r => r.Source == RunSource.Catalog && r.Status == RunStatus.Running).OrderBy(r => r.StartedAt).ToListAsync(cancellationToken);
        var dispatched = await db.Runs.AsNoTracking()
            .Where(r => r.Source == RunSource.Catalog && r.Status == RunStatus.Queued && r.DispatchedAt != null)
            .OrderBy(r => r.DispatchedAt).ThenBy(r => r.Id).ToListAsync(cancellationToken);
        var undispatchedShown = Math.Max(0, take - dispatched.Count);
        var candidates = await TopPerOwnerAsync(db, undispatchedShown, cancellationToken);
        var fair = FairOrder.Order(candidates, await ActiveByOwnerAsync(db, cancellationToken), undispatchedShown);
        var pendingTotal = dispatched.Count + await CountUndispatchedAsync(db, cancellationToken);

        // Only the runs shown are loaded in full (the order itself needs only the candidates).
        var shownIds = fair.Select(c => c.RunId).ToList();
        var shownById = await db.Runs.AsNoTracking().Where(r => shownIds.Contains(r.Id)).ToDictionaryAsync(r => r.Id, cancellationToken);
        var pendingRuns = dispatched.Take(take).Concat(shownIds.Where(shownById.ContainsKey).Select(id => shownById[id])).ToList();

        var medians = await MedianDurationsAsync(db, running.Concat(pendingRuns).Select(r => r.ExperimentKey).Distinct().ToList(), cancellationToken);
        var slots = WorkerSlots(running, medians, now);
        var starts = StartEstimates.Estimate(slots, pendingRuns.Select(r => medians.GetValueOrDefault(r.ExperimentKey)).ToList());

        var pending = pendingRuns.Select((r, i) => new PendingRunDto(
            i + 1, r.Id, r.ExperimentKey, r.SubmittedBy, r.SubmittedById, r.Priority, r.QueuedAt, r.DispatchedAt is not null, starts[i])).ToList();
        var runningDtos = running.Select(r =>
        {
            var elapsed = r.StartedAt is { } s ? (now - s).TotalSeconds : 0;
            var finish = r.StartedAt is { } st ? StartEstimates.FinishFromProgress(st, r.Progress, now) : null;
            return new RunningRunDto(r.Id, r.ExperimentKey, r.SubmittedBy, r.SubmittedById, r.Worker, r.Device, r.Progress, r.StartedAt,
                Math.Max(0, elapsed), finish is { } f ? Math.Max(0, (f - now).TotalSeconds) : null);
        }).ToList();
        return new QueueSnapshot(now, Workers, pendingTotal, pending, runningDtos);
    }

    /// <summary>When each worker is free: running runs by their ETA (or start + median), idle workers now.</summary>
    private List<DateTimeOffset?> WorkerSlots(List<Run> running, Dictionary<string, TimeSpan?> medians, DateTimeOffset now)
    {
        var busy = running.Select(r =>
        {
            var started = r.StartedAt ?? now;
            var finish = StartEstimates.FinishFromProgress(started, r.Progress, now)
                         ?? (medians.GetValueOrDefault(r.ExperimentKey) is { } m ? started + m : null);
            return finish is { } f && f < now ? now : finish;
        }).OrderBy(f => f ?? DateTimeOffset.MaxValue).ToList();
        // More running than local workers (remote workers): the earliest to finish stand for the slots.
        var slots = busy.Take(Workers).ToList();
        while (slots.Count < Workers) slots.Add(now);
        return slots;
    }

    private static async Task<Dictionary<string, TimeSpan?>> MedianDurationsAsync(
        LabDbContext db, List<string> experiments, CancellationToken cancellationToken)
    {
        var medians = new Dictionary<string, TimeSpan?>(StringComparer.Ordinal);
        foreach (var key in experiments)
        {
            var finished = await db.Runs.AsNoTracking()
                .Where(r => r.ExperimentKey == key && r.Status == RunStatus.Succeeded && r.Source == RunSource.Catalog &&
                            r.StartedAt != null && r.FinishedAt != null)
                .OrderByDescending(r => r.Id).Take(DurationHistory)
                .Select(r => new { r.StartedAt, r.FinishedAt }).ToListAsync(cancellationToken);
            medians[key] = StartEstimates.Median(finished.Select(f => f.FinishedAt!.Value - f.StartedAt!.Value).ToList());
        }
        return medians;
    }
}
