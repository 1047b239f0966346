using LayerLab.Data;
using LayerLab.Data.Runs;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Tests.Unit.Runs;

/// <summary>
/// The transitions' own state guards, each on a run the caller did not pre-filter: the states a write leaves from (and
/// the ones it must not touch), and the fields a re-queue clears that the first tests did not look at.
/// </summary>
public sealed class RunTransitionsEdgeTests : RunRowsTestBase
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    private IQueryable<Run> Only(long id) => Db.Runs.Where(r => r.Id == id);

    [Fact]
    public async Task Claim_takes_only_the_named_run_and_never_a_running_or_finished_one()
    {
        var running = await AddAsync(RunStatus.Running, r => r.Attempt = 1);
        var failed = await AddAsync(RunStatus.Failed);
        var other = await AddAsync(RunStatus.Queued);
        var target = await AddAsync(RunStatus.Queued);

        Assert.Equal(0, await Db.Runs.ClaimAsync(running, Lease, Now, Ct));
        Assert.Equal(0, await Db.Runs.ClaimAsync(failed, Lease, Now, Ct));
        Assert.Equal(1, await Db.Runs.ClaimAsync(target, Lease, Now, Ct));

        Assert.Equal((RunStatus.Running, 1), ((await LoadAsync(running)).Status, (await LoadAsync(running)).Attempt));
        Assert.Equal(RunStatus.Failed, (await LoadAsync(failed)).Status);
        Assert.Equal((RunStatus.Queued, 0, null), ((await LoadAsync(other)).Status, (await LoadAsync(other)).Attempt, (await LoadAsync(other)).Worker));
        Assert.Equal((RunStatus.Running, 1), ((await LoadAsync(target)).Status, (await LoadAsync(target)).Attempt));
        var ex = await Assert.ThrowsAsync<ArgumentNullException>(() => Db.Runs.ClaimAsync(target, null!, Now, Ct));
        Assert.Equal("lease", ex.ParamName);
    }

    [Fact]
    public async Task Lease_resume_and_progress_writes_skip_a_run_that_is_not_running()
    {
        var queued = await AddAsync(RunStatus.Queued, r => { r.LeaseExpiresAt = Now; r.Progress = 0.2; });
        var done = await AddAsync(RunStatus.Succeeded, r => r.Progress = 1);

        foreach (var id in new[] { queued, done })
        {
            Assert.Equal(0, await Only(id).ExtendLeaseAsync(Now.AddMinutes(9), Ct));
            Assert.Equal(0, await Only(id).RecordResumeAsync(50, Ct));
            Assert.Equal(0, await Only(id).SetProgressAsync(0.75, Ct));
        }

        Assert.Equal((Now, null, 0.2), ((await LoadAsync(queued)).LeaseExpiresAt, (await LoadAsync(queued)).ResumedFromStep, (await LoadAsync(queued)).Progress));
        Assert.Equal((null, null, 1.0), ((await LoadAsync(done)).LeaseExpiresAt, (await LoadAsync(done)).ResumedFromStep, (await LoadAsync(done)).Progress));
    }

    [Fact]
    public async Task Running_attempt_without_an_owner_matches_any_lease_holder_but_only_its_own_run()
    {
        var id = await AddAsync(RunStatus.Running, r => { r.Attempt = 2; r.LeaseOwner = "token:9/other"; });
        await AddAsync(RunStatus.Running, r => { r.Attempt = 2; r.LeaseOwner = "token:9/other"; }); // same attempt, another run

        Assert.Equal([id], await Db.Runs.RunningAttempt(id, 2).Select(r => r.Id).ToListAsync());
        Assert.Empty(await Db.Runs.RunningAttempt(id, 2, "token:7/host:1").ToListAsync());
        Assert.Equal([id], await Db.Runs.RunningAttempt(id, 2, "token:9/other").Select(r => r.Id).ToListAsync());
    }

    [Fact]
    public async Task Cancel_is_asked_of_a_running_run_too_but_not_of_a_failed_or_cancelled_one()
    {
        var running = await AddAsync(RunStatus.Running);
        var failed = await AddAsync(RunStatus.Failed);
        var cancelled = await AddAsync(RunStatus.Cancelled);

        Assert.Equal(1, await Only(running).RequestCancelAsync(Ct));
        Assert.Equal(0, await Only(failed).RequestCancelAsync(Ct));
        Assert.Equal(0, await Only(cancelled).RequestCancelAsync(Ct));
        Assert.Equal((RunStatus.Running, true), ((await LoadAsync(running)).Status, (await LoadAsync(running)).CancelRequested));
        Assert.False((await LoadAsync(failed)).CancelRequested);
    }

    [Fact]
    public async Task Finish_ends_a_running_run_and_skips_a_failed_or_cancelled_one()
    {
        var failed = await AddAsync(RunStatus.Failed, r => r.Error = "first");
        var cancelled = await AddAsync(RunStatus.Cancelled);
        var running = await AddAsync(RunStatus.Running, r => r.Progress = 0.25);

        Assert.Equal(0, await Only(failed).FinishAsync(RunEnd.Failed("second"), Now, Ct));
        Assert.Equal(0, await Only(cancelled).FinishAsync(RunEnd.Succeeded("{}", null, null), Now, Ct));
        Assert.Equal(1, await Only(running).FinishAsync(RunEnd.Cancelled, Now, Ct));

        Assert.Equal("first", (await LoadAsync(failed)).Error);
        Assert.Equal(RunStatus.Cancelled, (await LoadAsync(cancelled)).Status);
        var run = await LoadAsync(running);
        Assert.Equal((RunStatus.Cancelled, 0.25, Now, null), (run.Status, run.Progress, run.FinishedAt, run.Error));
        var ex = await Assert.ThrowsAsync<ArgumentNullException>(() => Only(running).FinishAsync(null!, Now, Ct));
        Assert.Equal("end", ex.ParamName);
    }

    [Fact]
    public async Task Release_leaves_a_queued_run_alone()
    {
        var queued = await AddAsync(RunStatus.Queued, r => { r.Worker = "host:1"; r.DispatchedAt = Now; });

        Assert.Equal(0, await Only(queued).ReleaseAsync(Ct));
        Assert.Equal(("host:1", Now), ((await LoadAsync(queued)).Worker, (await LoadAsync(queued)).DispatchedAt));
    }

    [Fact]
    public async Task Requeue_takes_a_cancelled_run_and_clears_its_dispatch_mark_and_lease_but_not_a_queued_or_running_one()
    {
        var cancelled = await AddAsync(RunStatus.Cancelled, r =>
        {
            r.CancelRequested = true; r.DispatchedAt = Now; r.LeaseOwner = "token:7/host:1"; r.LeaseExpiresAt = Now; r.Progress = 0.5;
        });
        var queued = await AddAsync(RunStatus.Queued, r => r.QueuedAt = Now);
        var running = await AddAsync(RunStatus.Running, r => r.Progress = 0.5);

        var later = Now.AddHours(1);
        Assert.Equal(1, await Only(cancelled).RequeueAsync(later, Ct));
        Assert.Equal(0, await Only(queued).RequeueAsync(later, Ct));
        Assert.Equal(0, await Only(running).RequeueAsync(later, Ct));

        var run = await LoadAsync(cancelled);
        Assert.Equal((RunStatus.Queued, later, 0.0, false), (run.Status, run.QueuedAt, run.Progress, run.CancelRequested));
        Assert.Equal((null, null, null), (run.DispatchedAt, run.LeaseOwner, run.LeaseExpiresAt));
        Assert.Equal(Now, (await LoadAsync(queued)).QueuedAt);
        Assert.Equal((RunStatus.Running, 0.5), ((await LoadAsync(running)).Status, (await LoadAsync(running)).Progress));
    }

    [Fact]
    public void Run_ends_carry_their_status_and_only_their_own_fields()
    {
        Assert.Equal(new RunEnd(RunStatus.Succeeded, "{\"a\":1}", "[]", "ok"), RunEnd.Succeeded("{\"a\":1}", "[]", "ok"));
        Assert.Equal(new RunEnd(RunStatus.Failed, null, null, null, "boom"), RunEnd.Failed("boom"));
        Assert.Equal(new RunEnd(RunStatus.Cancelled, null, null, null, null), RunEnd.Cancelled);
    }

    [Theory]
    [InlineData(RunStatus.Queued, false)]
    [InlineData(RunStatus.Running, false)]
    [InlineData(RunStatus.Succeeded, true)]
    [InlineData(RunStatus.Failed, true)]
    [InlineData(RunStatus.Cancelled, true)]
    public void Finished_means_succeeded_failed_or_cancelled(RunStatus status, bool finished) =>
        Assert.Equal(finished, status.IsFinished());
}
