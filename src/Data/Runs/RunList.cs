using LayerLab.Data.Review;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Data.Runs;

/// <summary>What the runs page narrows the list to; null/empty means "any".</summary>
public sealed record RunListFilter(
    string? Search = null, RunStatus? Status = null, string? Experiment = null, ReviewState? Review = null, long? SweepId = null);

/// <summary>The columns the runs page can sort by, all in SQL.</summary>
public enum RunListSort
{
    Id,
    Experiment,
    Status,
    Progress,
    Seed,
}

/// <summary>
/// One row of the runs page: only the columns it shows (no parameters, summary or references JSON). A record, so a
/// live refresh can tell an unchanged row from a changed one by value and re-render only the changed ones.
/// </summary>
public sealed record RunListRow(
    long Id, string ExperimentKey, string? Name, RunSource Source, RunStatus Status, ReviewState ReviewState, double Progress,
    DateTimeOffset QueuedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? Worker, string? Device, long Seed, long? SweepId,
    string? Origin = null);

public sealed record RunListPage(IReadOnlyList<RunListRow> Rows, int Total);

public static class RunListQueries
{
    /// <summary>One page of runs after filtering and sorting in SQL, and how many runs match in all.</summary>
    public static async Task<RunListPage> RunListPageAsync(this LabDbContext db, RunListFilter filter, RunListSort sort, bool descending,
        int skip, int take, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(filter);
        var query = Filtered(db.Runs.AsNoTracking(), filter);
        var total = await query.CountAsync(ct);
        var rows = await Sorted(query, sort, descending)
            .Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, 1000))
            .Select(r => new RunListRow(r.Id, r.ExperimentKey, r.Name, r.Source, r.Status, r.ReviewState, r.Progress,
                r.QueuedAt, r.StartedAt, r.FinishedAt, r.Worker, r.Device, r.Seed, r.SweepId, r.Origin))
            .ToListAsync(ct);
        return new RunListPage(rows, total);
    }

    private static IQueryable<Run> Filtered(IQueryable<Run> query, RunListFilter filter)
    {
        if (filter.Status is { } status) query = query.Where(r => r.Status == status);
        if (!string.IsNullOrEmpty(filter.Experiment)) query = query.Where(r => r.ExperimentKey == filter.Experiment);
        if (filter.Review is { } review) query = query.Where(r => r.ReviewState == review);
        if (filter.SweepId is { } sweep) query = query.Where(r => r.SweepId == sweep);
        var search = filter.Search?.Trim();
        if (!string.IsNullOrEmpty(search))
        {
            // "#42" or "42" finds run 42; otherwise a case-insensitive substring of the name, experiment or submitter.
            if (long.TryParse(search.TrimStart('#'), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
                query = query.Where(r => r.Id == id);
            else
            {
                var pattern = "%" + search.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal)
                    .Replace("_", "\\_", StringComparison.Ordinal) + "%";
                query = query.Where(r => EF.Functions.Like(r.Name!, pattern, "\\") || EF.Functions.Like(r.ExperimentKey, pattern, "\\")
                                         || EF.Functions.Like(r.SubmittedBy!, pattern, "\\"));
            }
        }
        return query;
    }

    // Ties break on the id (newest first), so a page boundary never splits equal keys differently between requests.
    private static IQueryable<Run> Sorted(IQueryable<Run> query, RunListSort sort, bool descending) => sort switch
    {
        RunListSort.Experiment => (descending ? query.OrderByDescending(r => r.ExperimentKey) : query.OrderBy(r => r.ExperimentKey)).ThenByDescending(r => r.Id),
        RunListSort.Status => (descending ? query.OrderByDescending(r => r.Status) : query.OrderBy(r => r.Status)).ThenByDescending(r => r.Id),
        RunListSort.Progress => (descending ? query.OrderByDescending(r => r.Progress) : query.OrderBy(r => r.Progress)).ThenByDescending(r => r.Id),
        RunListSort.Seed => (descending ? query.OrderByDescending(r => r.Seed) : query.OrderBy(r => r.Seed)).ThenByDescending(r => r.Id),
        _ => descending ? query.OrderByDescending(r => r.Id) : query.OrderBy(r => r.Id),
    };
}
