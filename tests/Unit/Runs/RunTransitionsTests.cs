using LayerLab.Data;
using LayerLab.Data.Runs;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Tests.Unit.Runs;

/// <summary>Each of the run's transitions once, on a real SQLite file: the states it leaves from, every field it writes.</summary>
public sealed class RunTransitionsTests : RunRowsTestBase
{
    private static Action<Run> Running(int attempt = 1, string owner = "token:7/host:1") => r =>
    {
        r.Attempt = attempt;
        r.Worker = "host:1";
        r.LeaseOwner = owner;
        r.LeaseExpiresAt = Now.AddMinutes(1);
        r.StartedAt = Now.AddMinutes(-5);
        r.Progress = 0.4;
    };

    [Fact]
    public async Task Claim_takes_a_queued_catalog_run_once_and_starts_a_fresh_attempt()
    {
        var id = await AddAsync(RunStatus.Queued, r => { r.Attempt = 1; r.DispatchedAt = Now; r.Progress = 0.3; r.ResumedFromStep = 9; r.Error = "old"; r.FinishedAt = Now; });
        var cancelAsked = await AddAsync(RunStatus.Queued, r => r.CancelRequested = true);
        var external = await AddAsync(RunStatus.Queued, r => r.Source = RunSource.External);

        Assert.Equal(1, await Db.Runs.ClaimAsync(id, Lease, Now, CancellationToken.None));
        Assert.Equal(0, await Db.Runs.ClaimAsync(id, Lease, Now, CancellationToken.None)); // a second delivery
        Assert.Equal(0, await Db.Runs.ClaimAsync(cancelAsked, Lease, Now, CancellationToken.None));
        Assert.Equal(0, await Db.Runs.ClaimAsync(external, Lease, Now, CancellationToken.None));

        var run = await LoadAsync(id);
        Assert.Equal((RunStatus.Running, 2, "host:1", "token:7/host:1", "cpu"), (run.Status, run.Attempt, run.Worker, run.LeaseOwner, run.Device));
        Assert.Equal((Now, Now.AddMinutes(2)), (run.StartedAt, run.LeaseExpiresAt));
        Assert.Equal((0.0, null, null, null, null), (run.Progress, run.ResumedFromStep, run.Error, run.FinishedAt, run.DispatchedAt));
    }

    [Fact]
    public async Task Running_writes_need_the_running_attempt_and_its_lease_holder()
    {
        var id = await AddAsync(RunStatus.Running, Running(attempt: 2));

        Assert.Equal(0, await Db.Runs.RunningAttempt(id, 1).ExtendLeaseAsync(Now.AddMinutes(9), CancellationToken.None));
        Assert.Equal(0, await Db.Runs.RunningAttempt(id, 2, "token:8/host:1").RecordResumeAsync(50, CancellationToken.None));
        Assert.Equal(1, await Db.Runs.RunningAttempt(id, 2, "token:7/host:1").ExtendLeaseAsync(Now.AddMinutes(9), CancellationToken.None));
        Assert.Equal(1, await Db.Runs.RunningAttempt(id, 2).RecordResumeAsync(50, CancellationToken.None));
        Assert.Equal(1, await Db.Runs.Where(r => r.Id == id).SetProgressAsync(0.75, CancellationToken.None));

        var run = await LoadAsync(id);
        Assert.Equal((Now.AddMinutes(9), 50L, 0.75), (run.LeaseExpiresAt, run.ResumedFromStep, run.Progress));
    }

    [Fact]
    public async Task Finish_succeeded_stores_the_results_and_drops_the_lease_once()
    {
        var id = await AddAsync(RunStatus.Running, Running());

        var end = RunEnd.Succeeded("{\"acc\":1}", "[]", "reproduces");
        Assert.Equal(1, await Db.Runs.RunningAttempt(id, 1).FinishAsync(end, Now, CancellationToken.None));
        Assert.Equal(0, await Db.Runs.RunningAttempt(id, 1).FinishAsync(RunEnd.Failed("late"), Now, CancellationToken.None));
        Assert.Equal(0, await Db.Runs.Where(r => r.Id == id).FinishAsync(RunEnd.Cancelled, Now, CancellationToken.None));

        var run = await LoadAsync(id);
        Assert.Equal((RunStatus.Succeeded, 1.0, Now), (run.Status, run.Progress, run.FinishedAt));
        Assert.Equal(("{\"acc\":1}", "[]", "reproduces", null), (run.SummaryJson, run.ReferencesJson, run.Verdict, run.Error));
        Assert.Equal((null, null, null), (run.LeaseOwner, run.LeaseExpiresAt, run.DispatchedAt));
    }

    [Fact]
    public async Task Finish_failed_keeps_the_progress_and_stores_the_error()
    {
        var id = await AddAsync(RunStatus.Running, Running());

        Assert.Equal(1, await Db.Runs.RunningAttempt(id, 1).FinishAsync(RunEnd.Failed("diverged"), Now, CancellationToken.None));

        var run = await LoadAsync(id);
        Assert.Equal((RunStatus.Failed, 0.4, "diverged", null, null), (run.Status, run.Progress, run.Error, run.SummaryJson, run.LeaseOwner));
    }

    [Fact]
    public async Task Cancel_is_asked_of_unfinished_runs_and_ends_a_queued_run_without_its_dispatch_mark()
    {
        var queued = await AddAsync(RunStatus.Queued, r => r.DispatchedAt = Now);
        var done = await AddAsync(RunStatus.Succeeded);

        Assert.Equal(1, await Db.Runs.Where(r => r.Id == queued).RequestCancelAsync(CancellationToken.None));
        Assert.Equal(0, await Db.Runs.Where(r => r.Id == done).RequestCancelAsync(CancellationToken.None));
        Assert.Equal(1, await Db.Runs.Where(r => r.Id == queued).FinishAsync(RunEnd.Cancelled, Now, CancellationToken.None));

        var run = await LoadAsync(queued);
        Assert.Equal((RunStatus.Cancelled, true, Now, null), (run.Status, run.CancelRequested, run.FinishedAt, run.DispatchedAt));
        Assert.False((await LoadAsync(done)).CancelRequested);
    }

    [Fact]
    public async Task Release_puts_a_running_run_back_in_the_queue_with_its_attempt_count_and_progress()
    {
        var id = await AddAsync(RunStatus.Running, Running(attempt: 3));
        var finished = await AddAsync(RunStatus.Failed);

        Assert.Equal(1, await Db.Runs.RunningAttempt(id, 3).ReleaseAsync(CancellationToken.None));
        Assert.Equal(0, await Db.Runs.Where(r => r.Id == finished).ReleaseAsync(CancellationToken.None));

        var run = await LoadAsync(id);
        Assert.Equal((RunStatus.Queued, 3, 0.4), (run.Status, run.Attempt, run.Progress));
        Assert.Equal((null, null, null, null), (run.Worker, run.LeaseOwner, run.LeaseExpiresAt, run.DispatchedAt));
    }

    [Fact]
    public async Task Requeue_resets_a_failed_or_cancelled_run_as_if_just_submitted()
    {
        var failed = await AddAsync(RunStatus.Failed, r =>
        {
            r.Progress = 0.5; r.StartedAt = Now; r.FinishedAt = Now; r.Error = "boom"; r.SummaryJson = "{}"; r.ReferencesJson = "[]";
            r.Verdict = "no"; r.CancelRequested = true;
        });
        var succeeded = await AddAsync(RunStatus.Succeeded);

        var later = Now.AddHours(1);
        Assert.Equal(1, await Db.Runs.Where(r => r.Id == failed || r.Id == succeeded).RequeueAsync(later, CancellationToken.None));

        var run = await LoadAsync(failed);
        Assert.Equal((RunStatus.Queued, later, 0.0, null, null), (run.Status, run.QueuedAt, run.Progress, run.StartedAt, run.FinishedAt));
        Assert.Equal((null, null, null, null, false), (run.Error, run.SummaryJson, run.ReferencesJson, run.Verdict, run.CancelRequested));
        Assert.Equal(RunStatus.Succeeded, (await LoadAsync(succeeded)).Status);
    }
}
