using LayerLab.Web.Queue;

namespace LayerLab.Tests.Unit.Queue;

public sealed class FairOrderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, int> NoneActive = [];

    private static QueueCandidate Run(long id, string owner, int secondsAfterT0, int priority = 0) =>
        new(id, owner, priority, T0.AddSeconds(secondsAfterT0));

    [Fact]
    public void Colleague_single_run_submitted_after_a_1000_run_sweep_is_dispatched_next()
    {
        // Alice's sweep went in first and one of hers is already running; Bob queues one run a minute later.
        var pending = Enumerable.Range(1, 1000).Select(i => Run(i, "alice", i % 10)).Append(Run(1001, "bob", 60)).ToList();
        var active = new Dictionary<string, int> { ["alice"] = 1 };

        var order = FairOrder.Order(pending, active);

        Assert.Equal(1001, order[0].RunId);
        Assert.Equal(1001, order.Count);
        Assert.Equal(1001, FairOrder.Order(pending, active, take: 1).Single().RunId);
    }

    [Fact]
    public void Colleague_is_served_once_the_sweep_owner_has_as_many_going_even_when_the_sweep_owner_is_idle()
    {
        var pending = Enumerable.Range(1, 5).Select(i => Run(i, "alice", i)).Append(Run(6, "bob", 100)).ToList();

        var order = FairOrder.Order(pending, NoneActive).Select(c => c.RunId).ToList();

        // Both idle: Alice's run was queued earlier, so it goes first; then Bob (0 going vs Alice's 1); then Alice's rest.
        Assert.Equal([1, 6, 2, 3, 4, 5], order);
    }

    [Fact]
    public void People_with_equal_load_alternate_and_the_less_loaded_catch_up_first()
    {
        var pending = new[] { Run(1, "a", 1), Run(2, "a", 2), Run(3, "b", 3), Run(4, "b", 4), Run(5, "c", 5) };
        var active = new Dictionary<string, int> { ["a"] = 2, ["b"] = 0, ["c"] = 1 };

        var order = FairOrder.Order(pending, active).Select(c => c.RunId).ToList();

        // b has none going → b. Then b and c both have 1: b's next (queued at 4 s) is older than c's (5 s) → b, then c,
        // then a (2 going) last.
        Assert.Equal([3, 4, 5, 1, 2], order);
    }

    [Fact]
    public void Priority_orders_one_persons_runs_before_queue_time()
    {
        var pending = new[] { Run(1, "a", 1), Run(2, "a", 2), Run(3, "a", 3, priority: 5), Run(4, "a", 4, priority: -1) };

        var order = FairOrder.Order(pending, NoneActive).Select(c => c.RunId).ToList();

        Assert.Equal([3, 1, 2, 4], order);
    }

    [Fact]
    public void Priority_does_not_let_one_person_jump_a_less_loaded_colleague()
    {
        var pending = new[] { Run(1, "a", 1, priority: 100), Run(2, "b", 2) };
        var active = new Dictionary<string, int> { ["a"] = 1 };

        Assert.Equal([2, 1], FairOrder.Order(pending, active).Select(c => c.RunId));
    }

    [Fact]
    public void Ties_go_to_the_earliest_queued_then_the_lowest_id()
    {
        var sameTime = new[] { Run(7, "b", 0), Run(3, "a", 0), Run(5, "c", 0) };
        Assert.Equal([3, 5, 7], FairOrder.Order(sameTime, NoneActive).Select(c => c.RunId));

        var earlierB = new[] { Run(1, "a", 10), Run(2, "b", 5) };
        Assert.Equal([2, 1], FairOrder.Order(earlierB, NoneActive).Select(c => c.RunId));
    }

    [Fact]
    public void Take_returns_the_head_of_the_full_order_and_empty_input_gives_nothing()
    {
        var pending = Enumerable.Range(1, 50).Select(i => Run(i, i % 3 == 0 ? "x" : "y", i)).ToList();
        var full = FairOrder.Order(pending, NoneActive).Select(c => c.RunId).ToList();

        Assert.Equal(full.Take(7), FairOrder.Order(pending, NoneActive, take: 7).Select(c => c.RunId));
        Assert.Equal(50, full.Distinct().Count());
        Assert.Empty(FairOrder.Order([], NoneActive));
    }
}
