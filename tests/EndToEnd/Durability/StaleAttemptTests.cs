using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Tests.EndToEnd.Infrastructure;
using LayerLab.Training.Contracts;
using LayerLab.Training.Jobs;
using LayerLab.Web.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LayerLab.Tests.EndToEnd.Durability;

/// <summary>
/// The portal's ledger on a real SQLite file (portal built in-process, worker off): once a run's lease expired and a
/// newer attempt claimed it, every write of the old attempt — renewal, complete, fail, cancel, release — changes
/// nothing, and the current attempt's writes still work. The new attempt's system/ samples continue the run's timeline.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class StaleAttemptTests : IAsyncLifetime
{
    private InProcessPortal _portal = null!;

    public async Task InitializeAsync() => _portal = await InProcessPortal.StartAsync();

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task A_stale_attempt_writes_nothing_after_its_lease_expired_and_the_run_was_claimed_again()
    {
        var submitted = await _portal.Services.GetRequiredService<RunSubmission>().SubmitAsync(
            new SubmitRunRequest("xor-prelu", new Dictionary<string, string?>(), 5), new RunActor("tester-id", "tester", IsAdmin: false),
            CancellationToken.None);
        var id = submitted.RunId!.Value;
        var ledger = _portal.Services.GetRequiredService<IRunLedger>();
        var dbFactory = _portal.Services.GetRequiredService<IDbContextFactory<LabDbContext>>();

        var first = await ledger.TryClaimAsync(id, "worker-a", "cpu", CancellationToken.None);
        Assert.Equal((1, 0L), (first?.Attempt, first?.SystemClockStart));
        // worker-a samples its system metrics at its seconds 5 and 10 (and a training metric far beyond them).
        var reporter = _portal.Services.GetRequiredService<IRunReporter>();
        await reporter.ReportMetricsAsync(id, [new MetricSample(SystemSampler.CpuPercent, 5, 90), new MetricSample(SystemSampler.RssMb, 10, 300),
            new MetricSample("loss", 4000, 0.5)], CancellationToken.None);
        await reporter.FlushAsync(CancellationToken.None);
        var claimed = await LoadAsync(dbFactory, id);
        Assert.Equal("worker-a", claimed.LeaseOwner);
        Assert.True(claimed.LeaseExpiresAt > DateTimeOffset.UtcNow);
        Assert.True(await ledger.RenewLeaseAsync(id, 1, CancellationToken.None));

        // worker-a goes silent: its lease runs out and the portal queues the run again.
        await using (var db = await dbFactory.CreateDbContextAsync())
            await db.Runs.Where(r => r.Id == id).ExecuteUpdateAsync(s => s.SetProperty(r => r.LeaseExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1)));
        Assert.Equal(1, await _portal.Services.GetRequiredService<LeaseExpiry>().RequeueExpiredAsync(CancellationToken.None));
        var requeued = await LoadAsync(dbFactory, id);
        Assert.Equal((RunStatus.Queued, 1, null), (requeued.Status, requeued.Attempt, requeued.LeaseOwner));
        Assert.False(await ledger.RenewLeaseAsync(id, 1, CancellationToken.None));

        var second = await ledger.TryClaimAsync(id, "worker-b", "cpu", CancellationToken.None);
        // Its system samples go on from one past worker-a's last (step 10), so none repeats (and is dropped as) a step of
        // attempt 1; training steps do not move that clock.
        Assert.Equal((2, 11L), (second?.Attempt, second?.SystemClockStart));

        // Everything worker-a might still try.
        Assert.False(await ledger.RenewLeaseAsync(id, 1, CancellationToken.None));
        await ledger.CompleteAsync(id, 1, new RunResult(new Dictionary<string, double> { ["x"] = 1 }, []), CancellationToken.None);
        await ledger.FailAsync(id, 1, "stale failure", CancellationToken.None);
        await ledger.MarkCancelledAsync(id, 1, CancellationToken.None);
        await ledger.ReleaseAsync(id, 1, CancellationToken.None);
        var untouched = await LoadAsync(dbFactory, id);
        Assert.Equal((RunStatus.Running, 2, "worker-b", null, null), (untouched.Status, untouched.Attempt, untouched.LeaseOwner, untouched.SummaryJson, untouched.Error));

        // The current attempt still renews and finishes; the stale one cannot overwrite the result afterwards.
        Assert.True(await ledger.RenewLeaseAsync(id, 2, CancellationToken.None));
        await ledger.CompleteAsync(id, 2, new RunResult(new Dictionary<string, double> { ["x"] = 2 }, []), CancellationToken.None);
        await ledger.FailAsync(id, 1, "late stale failure", CancellationToken.None);
        var done = await LoadAsync(dbFactory, id);
        Assert.Equal((RunStatus.Succeeded, 2, null, null), (done.Status, done.Attempt, done.LeaseOwner, done.Error));
        Assert.Contains("\"x\":2", done.SummaryJson, StringComparison.Ordinal);
        Assert.False(await ledger.RenewLeaseAsync(id, 2, CancellationToken.None));
    }

    private static async Task<Run> LoadAsync(IDbContextFactory<LabDbContext> dbFactory, long id)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        return await db.Runs.AsNoTracking().SingleAsync(r => r.Id == id);
    }
}
