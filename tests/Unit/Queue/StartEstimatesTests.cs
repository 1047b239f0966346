using LayerLab.Web.Queue;

namespace LayerLab.Tests.Unit.Queue;

public sealed class StartEstimatesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Min = TimeSpan.FromMinutes(1);

    [Fact]
    public void One_worker_busy_for_a_minute_starts_runs_back_to_back()
    {
        var starts = StartEstimates.Estimate([Now + Min], [Min, 2 * Min, Min]);

        Assert.Equal([Now + Min, Now + 2 * Min, Now + 4 * Min], starts);
    }

    [Fact]
    public void Two_workers_take_the_earliest_free_slot()
    {
        var starts = StartEstimates.Estimate([Now, Now + 3 * Min], [Min, Min, Min, Min]);

        Assert.Equal([Now, Now + Min, Now + 2 * Min, Now + 3 * Min], starts);
    }

    [Fact]
    public void A_run_without_history_makes_its_slot_unknown_for_those_after_it()
    {
        var oneWorker = StartEstimates.Estimate([Now], [null, Min]);
        Assert.Equal([Now, null], oneWorker);

        // With a second worker, later runs still get a time from the slot that is known.
        var twoWorkers = StartEstimates.Estimate([Now, Now + Min], [null, Min, Min]);
        Assert.Equal([Now, Now + Min, Now + 2 * Min], twoWorkers);
    }

    [Fact]
    public void Unknown_free_time_of_every_worker_means_unknown_starts()
    {
        Assert.Equal([null, null], StartEstimates.Estimate([null], [Min, Min]));
    }

    [Fact]
    public void Median_of_odd_and_even_counts_and_none()
    {
        Assert.Equal(TimeSpan.FromSeconds(2), StartEstimates.Median([TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)]));
        Assert.Equal(TimeSpan.FromSeconds(1.5), StartEstimates.Median([TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)]));
        Assert.Null(StartEstimates.Median([]));
    }

    [Fact]
    public void Finish_from_progress_is_elapsed_over_progress_and_unknown_without_progress()
    {
        var started = Now - TimeSpan.FromSeconds(30);
        Assert.Equal(Now + TimeSpan.FromSeconds(90), StartEstimates.FinishFromProgress(started, 0.25, Now));
        Assert.Null(StartEstimates.FinishFromProgress(started, 0, Now));
    }
}
