using System.Globalization;
using LayerLab.Data;
using LayerLab.Data.Accounts;
using LayerLab.Data.Runs;
using LayerLab.Training.Contracts;
using LayerLab.Web.Live;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Runs;

public static class ReproductionStates
{
    public const string Pending = "Pending";
    public const string Reproduced = "Reproduced";
    public const string NotReproduced = "NotReproduced";
}

/// <summary>
/// "Reproduce": queues the same experiment, parameters and seed; when that run ends, the original is marked
/// Reproduced when the experiment's primary metric agrees within the stated tolerance, else NotReproduced.
/// It hears of the end as an <see cref="IRunFinishedSubscriber"/> (the first one registered), so the ledger does not
/// know about reproductions.
/// </summary>
public sealed class RunReproduction(
    IDbContextFactory<LabDbContext> dbFactory, RunSubmission submission, ExperimentCatalog catalog, RunEvents events)
    : IRunFinishedSubscriber
{
    /// <summary>Agreement: |a − b| ≤ 1e-9 + 1% of the larger magnitude (same seed on other hardware may round differently).</summary>
    public const double RelativeTolerance = 0.01;

    public async Task<SubmitRunResult> StartAsync(long runId, RunActor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct);
        if (run is null) return Invalid("run", $"Run {runId} does not exist.");
        if (run.Source != RunSource.Catalog || run.Status != RunStatus.Succeeded)
            return Invalid("run", "Only succeeded catalog runs can be reproduced.");
        var raw = run.ParameterTexts().ToDictionary(kv => kv.Key, kv => (string?)kv.Value);
        var result = await submission.SubmitAsync(new SubmitRunRequest(run.ExperimentKey, raw, run.Seed, run.Id), actor, ct);
        // Anyone may re-run a result, but only the owner's or a reviewer's copy speaks for it (see JudgeAsync).
        if (result.Succeeded && await MayJudgeAsync(db, actor.UserId, run, ct))
            await MarkAsync(db, run.Id, ReproductionStates.Pending, $"Reproduction queued as run #{result.RunId}.", ct);
        return result;
    }

    /// <summary>A reproduction that ended decides its original's badge; any other run is none of its business.</summary>
    Task IRunFinishedSubscriber.RunFinishedAsync(Run run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.ReproducesRunId is null ? Task.CompletedTask : JudgeAsync(run.Id, cancellationToken);
    }

    /// <summary>Called when a reproduction ends: compares it with the original and marks the original.</summary>
    public async Task JudgeAsync(long reproductionId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var copy = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == reproductionId, ct);
        if (copy?.ReproducesRunId is not { } originalId) return;
        var original = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == originalId, ct);
        if (original is null) return;
        // A cancelled copy says nothing about the result, and a copy by a bystander must not relabel someone's run.
        if (copy.Status == RunStatus.Cancelled || !await MayJudgeAsync(db, copy.SubmittedById, original, ct)) return;
        var metric = catalog.Find(original.ExperimentKey)?.PrimaryMetric ?? "";
        var (a, b) = (await ValueAsync(db, original, metric, ct), await ValueAsync(db, copy, metric, ct));
        string state, note;
        if (copy.Status != RunStatus.Succeeded)
            (state, note) = (ReproductionStates.NotReproduced, $"Reproduction #{copy.Id} ended {copy.Status}.");
        else if (a is null || b is null)
            (state, note) = (ReproductionStates.NotReproduced, $"{metric} is missing from run #{(a is null ? original.Id : copy.Id)}.");
        else
        {
            var agree = Math.Abs(a.Value - b.Value) <= 1e-9 + (RelativeTolerance * Math.Max(Math.Abs(a.Value), Math.Abs(b.Value)));
            state = agree ? ReproductionStates.Reproduced : ReproductionStates.NotReproduced;
            note = string.Create(CultureInfo.InvariantCulture,
                $"{metric}: original {a.Value:G6}, reproduction #{copy.Id} {b.Value:G6} ({(agree ? "within" : "outside")} ±{RelativeTolerance:P0}).");
        }
        await MarkAsync(db, original.Id, state, note, ct);
    }

    /// <summary>The original's owner, or a reviewer (admins included), may have a reproduction judge a run.</summary>
    private static async Task<bool> MayJudgeAsync(LabDbContext db, string? userId, Run original, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(userId)) return false;
        if (userId == original.SubmittedById) return true;
        string[] judges = [LabRoles.Reviewer, LabRoles.Admin];
        return await db.UserRoles.Where(ur => ur.UserId == userId)
            .Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name)
            .AnyAsync(name => judges.Contains(name!), ct);
    }

    private static async Task<double?> ValueAsync(LabDbContext db, Run run, string metric, CancellationToken ct)
    {
        var summary = run.Summary();
        if (summary is not null && summary.TryGetValue(metric, out var value)) return value;
        return await db.LatestMetrics.Where(m => m.RunId == run.Id && m.Key == metric).Select(m => m.Value).FirstOrDefaultAsync(ct);
    }

    private async Task MarkAsync(LabDbContext db, long runId, string state, string note, CancellationToken ct)
    {
        await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.Reproduction, state).SetProperty(r => r.ReproductionNote, note), ct);
        var run = await db.Runs.AsNoTracking().FirstAsync(r => r.Id == runId, ct);
        await events.PublishRunUpdatedAsync(run.ToUpdateMessage());
    }

    private static SubmitRunResult Invalid(string field, string message) => new(null, new Dictionary<string, string> { [field] = message });
}
