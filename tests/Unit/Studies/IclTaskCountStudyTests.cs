using System.Globalization;
using LayerLab.Training.Experiments.IclTaskCount;
using LayerLab.Training.Studies;

namespace LayerLab.Tests.Unit.Studies;

public sealed class IclTaskCountStudyTests
{
    private static StudyRun Tasks(int d, long seed, double needed, bool found = true, StudyRunState state = StudyRunState.Succeeded) =>
        new(new Dictionary<string, string> { ["d"] = d.ToString(CultureInfo.InvariantCulture) }, seed, state,
            state == StudyRunState.Succeeded
                ? new Dictionary<string, double> { ["tasks_needed"] = needed, ["tasks_needed_found"] = found ? 1 : 0 }
                : null);

    private static StudyVerdict JudgeTasks(IEnumerable<StudyRun> runs) =>
        IclTaskCountStudies.TasksVerdict(StudyAggregation.Aggregate(IclTaskCountStudies.TasksVsDimension, runs));

    private static readonly int[] Ds = [4, 8, 16, 32];

    [Fact]
    public void Reproduced_when_tasks_needed_barely_grow_with_d()
    {
        // 64 tasks at every d except one seed at d = 4 (32): slope ≈ 0.1, interval well below 0.5.
        var runs = Ds.SelectMany(d => new[] { Tasks(d, 1, d == 4 ? 32 : 64), Tasks(d, 2, 64), Tasks(d, 3, 64) });
        var verdict = JudgeTasks(runs);
        Assert.Equal(StudyOutcome.Reproduced, verdict.Outcome);
        Assert.Contains("log-log slope", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_reproduced_when_tasks_needed_grow_linearly_in_d()
    {
        // The seed-1 numbers (64, 64, 256 at d = 4, 8, 16) continued: growth about ∝ d.
        var runs = Ds.SelectMany(d => new[] { Tasks(d, 1, 8.0 * d), Tasks(d, 2, 16.0 * d), Tasks(d, 3, 8.0 * d) });
        var verdict = JudgeTasks(runs);
        Assert.Equal(StudyOutcome.NotReproduced, verdict.Outcome);
        Assert.Contains("slope 1.00", verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Inconclusive_when_a_seed_found_no_pool_or_too_few_seeds_ran()
    {
        var budget = Ds.SelectMany(d => new[] { Tasks(d, 1, 64), Tasks(d, 2, 64, found: d != 32) });
        Assert.Equal(StudyOutcome.Inconclusive, JudgeTasks(budget).Outcome);
        Assert.Equal(StudyOutcome.Inconclusive, JudgeTasks(Ds.Select(d => Tasks(d, 1, 64))).Outcome);
        var failed = Ds.SelectMany(d => new[] { Tasks(d, 1, 64), Tasks(d, 2, 64, state: d == 8 ? StudyRunState.Failed : StudyRunState.Succeeded) });
        Assert.Equal(StudyOutcome.Inconclusive, JudgeTasks(failed).Outcome);
    }

    [Fact]
    public void Inconclusive_when_the_slope_interval_contains_the_threshold()
    {
        // Seeds disagree wildly: slope about 0.5 with a wide interval.
        var runs = Ds.SelectMany(d => new[] { Tasks(d, 1, 4.0 * d), Tasks(d, 2, 64), Tasks(d, 3, 16.0 * Math.Sqrt(d)) });
        Assert.Equal(StudyOutcome.Inconclusive, JudgeTasks(runs).Outcome);
    }

    private static StudyRun Mismatch(int nTest, long seed, double cost) =>
        new(new Dictionary<string, string> { ["n_test"] = nTest.ToString(CultureInfo.InvariantCulture), ["n_train"] = "16" }, seed, StudyRunState.Succeeded,
            new Dictionary<string, double> { ["mismatch_cost"] = cost });

    private static StudyVerdict JudgeMismatch(IEnumerable<StudyRun> runs) =>
        IclTaskCountStudies.MismatchVerdict(StudyAggregation.Aggregate(IclTaskCountStudies.LengthMismatch, runs));

    [Fact]
    public void Mismatch_reproduced_when_every_other_length_costs_and_not_reproduced_when_one_is_free()
    {
        int[] lengths = [16, 32, 64, 128];
        double Cost(int n) => n == 16 ? 0.001 : 0.05 * Math.Log2(n / 16.0);
        var costly = lengths.SelectMany(n => new[] { Mismatch(n, 1, Cost(n)), Mismatch(n, 2, Cost(n) * 1.01), Mismatch(n, 3, Cost(n) * 0.99) });
        Assert.Equal(StudyOutcome.Reproduced, JudgeMismatch(costly).Outcome);
        var free = lengths.SelectMany(n => new[] { Mismatch(n, 1, n == 128 ? 0.002 : Cost(n)), Mismatch(n, 2, n == 128 ? 0.003 : Cost(n)), Mismatch(n, 3, n == 128 ? 0.002 : Cost(n)) });
        Assert.Equal(StudyOutcome.NotReproduced, JudgeMismatch(free).Outcome);
        Assert.Equal(StudyOutcome.Inconclusive, JudgeMismatch(lengths.Select(n => Mismatch(n, 1, Cost(n)))).Outcome);
    }
}
