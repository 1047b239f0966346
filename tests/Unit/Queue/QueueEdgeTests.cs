using LayerLab.Web.Queue;

namespace LayerLab.Tests.Unit.Queue;

/// <summary>The queue's estimates and order at their edges: exact progress bounds, empty and unknown slots, argument
/// checks, and the last tie-breaker.</summary>
public sealed class QueueEdgeTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Min = TimeSpan.FromMinutes(1);

    [Fact]
    public void Progress_counts_only_above_one_percent_and_up_to_done()
    {
        var started = Now - TimeSpan.FromSeconds(30);
        Assert.Null(StartEstimates.FinishFromProgress(started, 0.01, Now));          // too little to go on
        Assert.Equal(started + TimeSpan.FromSeconds(30 / 0.0125), StartEstimates.FinishFromProgress(started, 0.0125, Now));
        Assert.Equal(Now, StartEstimates.FinishFromProgress(started, 1, Now));      // done: finishes now
        Assert.Null(StartEstimates.FinishFromProgress(started, 1.0001, Now));
        Assert.Null(StartEstimates.FinishFromProgress(started, double.NaN, Now));
        Assert.Null(StartEstimates.FinishFromProgress(started, -0.5, Now));
    }

    [Fact]
    public void No_workers_means_every_start_unknown_and_arguments_are_checked()
    {
        Assert.Equal([null, null], StartEstimates.Estimate([], [Min, Min]));
        Assert.Empty(StartEstimates.Estimate([Now], []));
        // Each check names its own argument (without them LINQ would throw for "source" instead).
        Assert.Equal("slotFreeAt", Assert.Throws<ArgumentNullException>(() => StartEstimates.Estimate(null!, [])).ParamName);
        Assert.Equal("durations", Assert.Throws<ArgumentNullException>(() => StartEstimates.Estimate([], null!)).ParamName);
        Assert.Throws<ArgumentNullException>(() => StartEstimates.Median(null!));
    }

    [Fact]
    public void The_earliest_known_slot_is_found_wherever_it_is()
    {
        // Earliest last, an unknown slot first: runs still land on the known slots in time order.
        var starts = StartEstimates.Estimate([null, Now + 2 * Min, Now + Min, Now], [Min, Min, Min, Min]);
        Assert.Equal([Now, Now + Min, Now + Min, Now + 2 * Min], starts);
        // The caller's array is not changed.
        DateTimeOffset?[] slots = [Now];
        StartEstimates.Estimate(slots, [Min]);
        Assert.Equal(Now, slots[0]);
    }

    [Fact]
    public void Median_of_one_and_of_four()
    {
        static TimeSpan s(double seconds) => TimeSpan.FromSeconds(seconds);
        Assert.Equal(s(7), StartEstimates.Median([s(7)]));
        Assert.Equal(s(2.5), StartEstimates.Median([s(10), s(3), s(1), s(2)]));
        Assert.Equal(s(3), StartEstimates.Median([s(10), s(3), s(1), s(2), s(4)]));
    }

    [Fact]
    public void Equal_priority_and_time_fall_back_to_the_run_id_and_take_zero_gives_nothing()
    {
        var pending = new[] { new QueueCandidate(9, "a", 0, Now), new QueueCandidate(4, "a", 0, Now), new QueueCandidate(6, "a", 0, Now) };
        Assert.Equal([4, 6, 9], FairOrder.Order(pending, new Dictionary<string, int>()).Select(c => c.RunId));
        Assert.Empty(FairOrder.Order(pending, new Dictionary<string, int>(), take: 0));
        Assert.Equal("pending", Assert.Throws<ArgumentNullException>(() => FairOrder.Order(null!, new Dictionary<string, int>())).ParamName);
        Assert.Equal("activeByOwner", Assert.Throws<ArgumentNullException>(() => FairOrder.Order(pending, null!)).ParamName);
    }

    [Fact]
    public void Owners_are_told_apart_by_exact_name_and_a_served_owner_counts_one_more_active()
    {
        // "A" and "a" are different accounts: each is served in turn, not merged.
        var pending = new[]
        {
            new QueueCandidate(1, "a", 0, Now), new QueueCandidate(2, "a", 0, Now + Min), new QueueCandidate(3, "a", 0, Now + 2 * Min),
            new QueueCandidate(4, "A", 0, Now + 3 * Min), new QueueCandidate(5, "A", 0, Now + 4 * Min),
        };
        // a has 0 going, A has 1: a, then both at 1 (a's next is older) a, then A (1) vs a (2): A, then A(2) vs a(2): a's older.
        Assert.Equal([1, 2, 4, 3, 5], FairOrder.Order(pending, new Dictionary<string, int> { ["A"] = 1 }).Select(c => c.RunId));
    }
}
