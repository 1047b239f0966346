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

    /// <summary>Two seeds per d with the same tasks needed: an exact power law, so the slope's interval is one point.
    /// Tasks 2 at d = 4 and 4 at d = 16 give a slope of exactly 0.5 (the logs are exact doublings).</summary>
    private static StudyRun[] Exact(params (int D, double Needed)[] points) =>
        [.. points.SelectMany(p => new[] { Tasks(p.D, 1, p.Needed), Tasks(p.D, 2, p.Needed) })];

    /// <summary>The slope threshold from both sides and exactly on it, and each outcome's whole text.</summary>
    private static readonly Dictionary<string, (StudyRun[] Runs, StudyOutcome Outcome)> TaskCases = new()
    {
        ["slope-exactly-0.5"] = (Exact((4, 2), (16, 4)), StudyOutcome.Inconclusive),
        ["slope-just-below"] = (Exact((4, 2), (16, 3.99)), StudyOutcome.Reproduced),
        ["slope-just-above"] = (Exact((4, 2), (16, 4.01)), StudyOutcome.NotReproduced),
        ["barely-grows"] = ([.. Ds.SelectMany(d => new[] { Tasks(d, 1, d == 4 ? 32 : 64), Tasks(d, 2, 64), Tasks(d, 3, 64) })], StudyOutcome.Reproduced),
        ["linear-in-d"] = ([.. Ds.SelectMany(d => new[] { Tasks(d, 1, 8.0 * d), Tasks(d, 2, 16.0 * d), Tasks(d, 3, 8.0 * d) })], StudyOutcome.NotReproduced),
        ["wide-interval"] = ([.. Ds.SelectMany(d => new[] { Tasks(d, 1, 4.0 * d), Tasks(d, 2, 64), Tasks(d, 3, 16.0 * Math.Sqrt(d)) })], StudyOutcome.Inconclusive),
        ["a-seed-found-no-pool"] = ([.. Ds.SelectMany(d => new[] { Tasks(d, 1, 64), Tasks(d, 2, 64, found: d != 32) })], StudyOutcome.Inconclusive),
        ["one-dimension"] = (Exact((8, 64)), StudyOutcome.Inconclusive),
        ["no-positive-value"] = (Exact((4, 0), (8, 0)), StudyOutcome.Inconclusive),
        ["a-pending-run"] = ([.. Exact((4, 2), (16, 4)), Tasks(8, 3, 1, state: StudyRunState.Pending)], StudyOutcome.Inconclusive),
    };

    private static StudyRun[] Costs(double cost, int seeds = 2, double matched = 0.001) =>
        [.. new[] { 16, 32, 64 }.SelectMany(n => Enumerable.Range(1, seeds).Select(s => Mismatch(n, s, n == 16 ? matched : cost)))];

    /// <summary>The 1 % threshold exactly on it (two seeds of 0.01: the interval is the point 0.01) and either side.</summary>
    private static readonly Dictionary<string, (StudyRun[] Runs, StudyOutcome Outcome)> MismatchCases = new()
    {
        ["cost-exactly-1-percent"] = (Costs(0.01), StudyOutcome.Inconclusive),
        ["cost-just-above"] = (Costs(0.0101), StudyOutcome.Reproduced),
        ["cost-just-below"] = (Costs(0.0099), StudyOutcome.NotReproduced),
        ["interval-contains-1-percent"] = ([.. Costs(0.02), Mismatch(32, 3, -0.02)], StudyOutcome.Inconclusive),
        ["only-the-matched-length"] = ([Mismatch(16, 1, 0.001), Mismatch(16, 2, 0.002)], StudyOutcome.Inconclusive),
        ["one-seed"] = (Costs(0.05, seeds: 1), StudyOutcome.Inconclusive),
    };

    public static TheoryData<string> TaskScenarios() => Names(TaskCases.Keys);

    public static TheoryData<string> MismatchScenarios() => Names(MismatchCases.Keys);

    private static TheoryData<string> Names(IEnumerable<string> names)
    {
        var data = new TheoryData<string>();
        foreach (var name in names) data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(TaskScenarios))]
    public void Tasks_verdict_outcome_and_text_at_the_threshold_and_per_outcome(string scenario)
    {
        var (runs, outcome) = TaskCases[scenario];
        GoldenText.Verdict("verdict-texts.json", $"icl-task-count/tasks/{scenario}", JudgeTasks(runs), outcome);
    }

    [Theory]
    [MemberData(nameof(MismatchScenarios))]
    public void Mismatch_verdict_outcome_and_text_at_the_threshold_and_per_outcome(string scenario)
    {
        var (runs, outcome) = MismatchCases[scenario];
        GoldenText.Verdict("verdict-texts.json", $"icl-task-count/mismatch/{scenario}", JudgeMismatch(runs), outcome);
    }

    [Fact]
    public void A_test_length_within_half_a_token_of_the_training_length_is_the_matched_one()
    {
        // n_test 16.5 vs n_train 16 is "matched" (|Δ| = 0.5 is not > 0.5): its free cost cannot make the verdict fail.
        StudyRun At(string nTest, long seed, double cost) =>
            new(new Dictionary<string, string> { ["n_test"] = nTest, ["n_train"] = "16" }, seed, StudyRunState.Succeeded,
                new Dictionary<string, double> { ["mismatch_cost"] = cost });
        var verdict = JudgeMismatch([At("16.5", 1, 0), At("16.5", 2, 0), At("32", 1, 0.05), At("32", 2, 0.05)]);
        Assert.Equal(StudyOutcome.Reproduced, verdict.Outcome);
        Assert.Equal(StudyOutcome.NotReproduced, JudgeMismatch([At("16.6", 1, 0), At("16.6", 2, 0), At("32", 1, 0.05), At("32", 2, 0.05)]).Outcome);
        // A run without its training length, or without a cost, contributes nothing.
        var results = StudyAggregation.Aggregate(IclTaskCountStudies.LengthMismatch,
        [
            new StudyRun(new Dictionary<string, string> { ["n_test"] = "32" }, 1, StudyRunState.Succeeded, new Dictionary<string, double> { ["mismatch_cost"] = 1 }),
            new StudyRun(new Dictionary<string, string> { ["n_test"] = "32", ["n_train"] = "16" }, 1, StudyRunState.Succeeded, new Dictionary<string, double>()),
        ]);
        Assert.Empty(results.Series);
    }
}
