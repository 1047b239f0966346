using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LayerLab.Data.Metrics;
using LayerLab.Data.Runs;

namespace LayerLab.Tests.Unit.Metrics;

/// <summary>
/// RunHistory's arrays come from <see cref="ArrayPool{T}.Shared"/> and go back to it (a compare of 20 runs × 100k
/// points must not allocate per request), exactly once, and a read without times rents no time array. Observed
/// through the pool itself: on one thread the array returned last is the next one rented of its size (the shared
/// pool keeps it in a per-thread slot). The tests are synchronous so that they stay on one thread.
/// </summary>
public sealed class RunHistoryPoolTests
{
    [Fact]
    public void Dispose_returns_each_array_to_the_pool_and_empties_the_history()
    {
        var history = new RunHistory(1, null, withTimes: true);
        history.Add(1, 0.5, 10);
        ref var steps = ref MemoryMarshal.GetReference(history.Steps);
        ref var times = ref MemoryMarshal.GetReference(history.Times);

        history.Dispose();

        Assert.Equal((0, 0, 0, 0), (history.Count, history.Steps.Length, history.Values.Length, history.Times.Length));
        Assert.True(RentedAgain(ref steps));
        Assert.True(RentedAgain(ref times)); // the time array was returned last of the doubles
        history.Dispose();                 // a second Dispose returns nothing twice
        var (a, b) = (ArrayPool<long>.Shared.Rent(1024), ArrayPool<long>.Shared.Rent(1024));
        Assert.NotSame(a, b);
        ArrayPool<long>.Shared.Return(a);
        ArrayPool<long>.Shared.Return(b);
    }

    [Fact]
    public void A_history_without_times_rents_no_time_array()
    {
        var history = new RunHistory(1, null, withTimes: false);
        history.Add(1, 0.5, 10);
        ref var values = ref MemoryMarshal.GetReference(history.Values);
        history.Dispose();
        Assert.True(RentedAgain(ref values)); // a time array, had one been rented, would have gone back after it
    }

    [Fact]
    public void Growing_returns_the_outgrown_arrays_and_keeps_every_point()
    {
        using var history = new RunHistory(1, null, withTimes: true);
        for (var step = 0; step < 1024; step++) history.Add(step, step / 2.0, step * 10);
        ref var steps = ref MemoryMarshal.GetReference(history.Steps);
        ref var times = ref MemoryMarshal.GetReference(history.Times);

        history.Add(1024, 512, 10240); // the 1,025th point: arrays of 2,048

        Assert.False(Unsafe.AreSame(ref steps, ref MemoryMarshal.GetReference(history.Steps)));
        Assert.True(RentedAgain(ref steps));
        Assert.True(RentedAgain(ref times));
        Assert.Equal(1025, history.Count);
        Assert.Equal(Enumerable.Range(0, 1025).Select(s => (long)s), history.Steps.ToArray());
        Assert.Equal(Enumerable.Range(0, 1025).Select(s => s / 2.0), history.Values.ToArray());
        Assert.Equal(Enumerable.Range(0, 1025).Select(s => s * 10.0), history.Times.ToArray());
    }

    [Fact]
    public async Task Reading_rows_with_an_expected_count_rents_arrays_of_that_size_at_once()
    {
        await using var db = await MigratedDatabase.CreateAsync();
        db.AddRun(1, RunStatus.Succeeded);
        db.Exec("INSERT INTO MetricPoints (RunId, Key, Step, Value, At) VALUES (1, 'loss', 1, 1.0, 1), (1, 'loss', 2, 0.5, 2)");
        Assert.True(ReadAndReturn(db, expected: 5000, rentSize: 5000)); // 2 points in arrays of 8,192
        Assert.True(ReadAndReturn(db, expected: 0, rentSize: 1024));    // none expected: the first growth, 1,024
    }

    /// <summary>Reads, disposes and rents one array of <paramref name="rentSize"/>: is it the history's step array?</summary>
    private static bool ReadAndReturn(MigratedDatabase db, int expected, int rentSize)
    {
        var history = RunHistory.ReadRows(db.Connection, 1, null, "loss", withTimes: false, expected);
        Assert.Equal([1L, 2], history.Steps.ToArray());
        ref var steps = ref MemoryMarshal.GetReference(history.Steps);
        history.Dispose();
        var next = ArrayPool<long>.Shared.Rent(rentSize);
        var same = Unsafe.AreSame(ref steps, ref next[0]);
        ArrayPool<long>.Shared.Return(next);
        return same;
    }

    /// <summary>Whether the next array rented of 1,024 elements is the one that starts at <paramref name="first"/>.</summary>
    private static bool RentedAgain<T>(ref T first)
    {
        var next = ArrayPool<T>.Shared.Rent(1024);
        var same = Unsafe.AreSame(ref first, ref next[0]);
        ArrayPool<T>.Shared.Return(next);
        return same;
    }
}
