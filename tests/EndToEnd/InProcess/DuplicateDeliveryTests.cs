using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Tests.EndToEnd.Infrastructure;
using LayerLab.Training.Jobs;
using LayerLab.Web.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LayerLab.Tests.EndToEnd.InProcess;

/// <summary>
/// Hangfire delivers at least once. The portal built in-process (worker off) lets the test deliver the same job
/// twice by hand, at the same time and again afterwards: the run must train once and be stored once.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class DuplicateDeliveryTests : IAsyncLifetime
{
    private InProcessPortal _portal = null!;

    public async Task InitializeAsync() => _portal = await InProcessPortal.StartAsync();

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Second_delivery_of_a_run_does_nothing_and_metrics_are_stored_once()
    {
        var submission = _portal.Services.GetRequiredService<RunSubmission>();
        var submitted = await submission.SubmitAsync(new SubmitRunRequest("xor-prelu",
            new Dictionary<string, string?> { ["epochs"] = "200", ["trials"] = "20" }, 5), Tester, CancellationToken.None);
        Assert.True(submitted.Succeeded);
        var dbFactory = _portal.Services.GetRequiredService<IDbContextFactory<LabDbContext>>();
        RunSpec spec;
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            var run = await db.Runs.SingleAsync();
            spec = new RunSpec(run.Id, run.ExperimentKey, run.ParametersJson, run.Seed);
        }

        // Two deliveries at once, then a late third one after the run finished.
        var first = NewJob().RunAsync(spec, CancellationToken.None);
        var second = NewJob().RunAsync(spec, CancellationToken.None);
        await Task.WhenAll(first, second);
        var pointsAfterTwo = await _portal.Database.ScalarAsync("SELECT COUNT(*) FROM MetricPoints");
        await NewJob().RunAsync(spec, CancellationToken.None);

        await using var check = await dbFactory.CreateDbContextAsync();
        var finished = await check.Runs.AsNoTracking().SingleAsync();
        Assert.Equal(RunStatus.Succeeded, finished.Status);
        Assert.Equal(1, finished.Attempt);
        Assert.True(pointsAfterTwo > 0);
        Assert.Equal(pointsAfterTwo, await _portal.Database.ScalarAsync("SELECT COUNT(*) FROM MetricPoints"));
        // Exactly one training pass reported: one point per (metric, step), and the steps are those of one run.
        Assert.Equal(pointsAfterTwo, await _portal.Database.ScalarAsync("SELECT COUNT(*) FROM (SELECT DISTINCT Key, Step FROM MetricPoints)"));

        // The ledger's completion packs each metric's history for compare reads (in the background): one blob per key,
        // holding every stored point.
        var keys = await _portal.Database.ScalarAsync("SELECT COUNT(DISTINCT Key) FROM MetricPoints");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await _portal.Database.ScalarAsync("SELECT COUNT(*) FROM MetricHistoryBlobs") < keys && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.Equal(keys, await _portal.Database.ScalarAsync("SELECT COUNT(*) FROM MetricHistoryBlobs"));
        Assert.Equal(pointsAfterTwo, await _portal.Database.ScalarAsync("SELECT SUM(Count) FROM MetricHistoryBlobs"));
    }

    [Fact]
    public async Task Run_cancelled_while_queued_ends_Cancelled_and_a_late_delivery_does_not_train_it()
    {
        var submission = _portal.Services.GetRequiredService<RunSubmission>();
        var submitted = await submission.SubmitAsync(new SubmitRunRequest("xor-prelu", new Dictionary<string, string?>(), 5), Tester, CancellationToken.None);
        var commands = _portal.Services.GetRequiredService<RunCommands>();
        Assert.Equal(CancelOutcome.Cancelled, await commands.CancelAsync(submitted.RunId!.Value, Tester, CancellationToken.None));
        Assert.Equal(CancelOutcome.AlreadyFinished, await commands.CancelAsync(submitted.RunId!.Value, Tester, CancellationToken.None));

        var dbFactory = _portal.Services.GetRequiredService<IDbContextFactory<LabDbContext>>();
        await using var db = await dbFactory.CreateDbContextAsync();
        var run = await db.Runs.AsNoTracking().SingleAsync();
        await NewJob().RunAsync(new RunSpec(run.Id, run.ExperimentKey, run.ParametersJson, run.Seed), CancellationToken.None);

        var after = await db.Runs.AsNoTracking().SingleAsync();
        Assert.Equal(RunStatus.Cancelled, after.Status);
        Assert.Equal(0, after.Attempt);
        Assert.Equal(0, await _portal.Database.ScalarAsync("SELECT COUNT(*) FROM MetricPoints"));
    }

    private static readonly RunActor Tester = new("tester-id", "tester", IsAdmin: false);

    private TrainRunJob NewJob() => _portal.Services.GetRequiredService<TrainRunJob>();
}
