using LayerLab.Training.Checkpoints;
using Microsoft.Extensions.Logging.Abstractions;

namespace LayerLab.Tests.Unit.Checkpoints;

/// <summary>The checkpoint file format and the file store, on a real temporary directory.</summary>
public sealed class CheckpointFileTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "layerlab-ckpt-tests", Guid.NewGuid().ToString("N"));
    private readonly FileCheckpointStore _store;

    public CheckpointFileTests() => _store = new FileCheckpointStore(_directory, NullLogger<FileCheckpointStore>.Instance);

    private static Checkpoint Sample(long step, int size = 1000) =>
        new("fp-1", step, Enumerable.Range(0, size).Select(i => (byte)(i * 7 + step)).ToArray());

    [Fact]
    public void A_saved_checkpoint_loads_back_identical()
    {
        var saved = Sample(120);
        _store.Save(5, saved);
        var loaded = _store.LoadLatest(5, "fp-1");
        Assert.NotNull(loaded);
        Assert.Equal(saved.Step, loaded.Step);
        Assert.Equal(saved.Fingerprint, loaded.Fingerprint);
        Assert.Equal(saved.State, loaded.State);
    }

    [Fact]
    public void A_flipped_byte_fails_the_checksum_and_the_checkpoint_is_not_used()
    {
        _store.Save(5, Sample(120));
        var path = _store.PathOf(5);
        var bytes = File.ReadAllBytes(path);
        bytes[^10] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        Assert.Throws<InvalidDataException>(() => CheckpointFile.Decode(bytes));
        Assert.Null(_store.LoadLatest(5, "fp-1"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(20)]
    [InlineData(500)]
    public void A_truncated_file_is_rejected(int keep)
    {
        var bytes = CheckpointFile.Encode(Sample(3));
        Assert.Throws<InvalidDataException>(() => CheckpointFile.Decode(bytes.AsSpan(0, keep)));
        Directory.CreateDirectory(_directory);
        File.WriteAllBytes(_store.PathOf(9), bytes[..keep]);
        Assert.Null(_store.LoadLatest(9, "fp-1"));
    }

    [Fact]
    public void A_damaged_newest_checkpoint_falls_back_to_the_previous_one()
    {
        _store.Save(5, Sample(100));
        _store.Save(5, Sample(200));
        File.WriteAllBytes(_store.PathOf(5), File.ReadAllBytes(_store.PathOf(5))[..50]);
        Assert.Equal(100, _store.LoadLatest(5, "fp-1")?.Step);
    }

    [Fact]
    public void A_checkpoint_of_another_configuration_is_not_resumed()
    {
        _store.Save(5, Sample(100));
        Assert.Null(_store.LoadLatest(5, "fp-other"));
    }

    [Fact]
    public void Saving_replaces_by_rename_and_leaves_no_temporary_file_behind()
    {
        for (var step = 1; step <= 5; step++) _store.Save(5, Sample(step * 10, 10_000));
        _store.Save(6, Sample(1));
        Assert.Equal(["run-5.ckpt", "run-5.prev.ckpt", "run-6.ckpt"], FileNames());
        Assert.Equal(50, _store.LoadLatest(5, "fp-1")?.Step);

        _store.Delete(5);
        Assert.Equal(["run-6.ckpt"], FileNames());
    }

    private string[] FileNames() =>
        [.. Directory.GetFiles(_directory).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal)];

    [Fact]
    public void A_stray_temporary_file_from_a_crash_mid_write_is_never_read_as_a_checkpoint()
    {
        _store.Save(5, Sample(100));
        // What a worker killed mid-write leaves: half a temporary file under its own name, never under run-5.ckpt.
        var partial = CheckpointFile.Encode(Sample(200));
        File.WriteAllBytes(Path.Combine(_directory, $"run-5.ckpt.{Guid.NewGuid():N}.tmp"), partial[..(partial.Length / 2)]);
        Assert.Equal(100, _store.LoadLatest(5, "fp-1")?.Step);
    }

    [Fact]
    public async Task Run_checkpoints_write_a_due_state_one_interval_late_and_the_newest_at_shutdown()
    {
        using var shutdown = new CancellationTokenSource();
        var checkpoints = new RunCheckpoints(_store, 7, "fp-1", TimeSpan.Zero, shutdown.Token);
        Assert.Null(checkpoints.Resume());
        checkpoints.AtStep(1, w => w.Write(1L), CancellationToken.None);
        Assert.Null(_store.LoadLatest(7, "fp-1")); // captured, not yet written
        checkpoints.AtStep(2, w => w.Write(2L), CancellationToken.None);
        Assert.Equal(1, _store.LoadLatest(7, "fp-1")?.Step);

        shutdown.Cancel();
        Assert.Throws<OperationCanceledException>(() => checkpoints.AtStep(3, w => w.Write(3L), shutdown.Token));
        Assert.Equal(1, _store.LoadLatest(7, "fp-1")?.Step); // captured as the loop stops, saved once its reports are stored
        await checkpoints.SaveAtShutdownAsync(TimeSpan.FromSeconds(5));
        var latest = _store.LoadLatest(7, "fp-1");
        Assert.Equal(3, latest?.Step);
        using var reader = latest!.OpenState();
        Assert.Equal(3L, reader.ReadInt64());

        var resumed = new RunCheckpoints(_store, 7, "fp-1", TimeSpan.Zero, CancellationToken.None);
        Assert.Equal(3, resumed.Resume()?.Step);
        Assert.Equal(3, resumed.ResumedFromStep);
    }

    [Fact]
    public void A_pending_checkpoint_waits_until_the_reports_made_before_it_are_stored()
    {
        var flushes = new List<TaskCompletionSource>();
        var checkpoints = new RunCheckpoints(_store, 9, "fp-1", TimeSpan.Zero, CancellationToken.None)
        {
            FlushReports = _ =>
            {
                var flush = new TaskCompletionSource();
                flushes.Add(flush);
                return flush.Task;
            },
        };
        long? resumedAt = null;
        checkpoints.Resumed = step => resumedAt = step;
        Assert.Null(checkpoints.Resume());
        Assert.Null(resumedAt);

        checkpoints.ReportPublished(); // step 0's report is still on its way to the reporter
        checkpoints.AtStep(1, w => w.Write(1L), CancellationToken.None); // captured after it
        checkpoints.AtStep(2, w => w.Write(2L), CancellationToken.None);
        Assert.Empty(flushes); // the report has not even reached the reporter: no flush can cover it yet
        Assert.Null(_store.LoadLatest(9, "fp-1"));

        checkpoints.ReportHandedOver();
        checkpoints.AtStep(3, w => w.Write(3L), CancellationToken.None);
        var flush = Assert.Single(flushes);
        checkpoints.AtStep(4, w => w.Write(4L), CancellationToken.None);
        Assert.Null(_store.LoadLatest(9, "fp-1")); // the reporter has not stored it yet

        flush.SetResult();
        checkpoints.AtStep(5, w => w.Write(5L), CancellationToken.None);
        Assert.Equal(1, _store.LoadLatest(9, "fp-1")?.Step); // the capture of step 1, now behind the stored series

        var resumed = new RunCheckpoints(_store, 9, "fp-1", TimeSpan.Zero, CancellationToken.None);
        resumed.Resumed = step => resumedAt = step;
        Assert.Equal(1, resumed.Resume()?.Step);
        Assert.Equal(1, resumedAt);
    }

    [Fact]
    public void A_cancel_that_is_not_a_shutdown_and_a_lost_lease_write_nothing()
    {
        using var cancel = new CancellationTokenSource();
        var checkpoints = new RunCheckpoints(_store, 8, "fp-1", TimeSpan.FromHours(1), CancellationToken.None);
        cancel.Cancel();
        Assert.Throws<OperationCanceledException>(() => checkpoints.AtStep(3, w => w.Write(3L), cancel.Token));
        Assert.Null(_store.LoadLatest(8, "fp-1"));

        using var shutdown = new CancellationTokenSource();
        var stale = new RunCheckpoints(_store, 8, "fp-1", TimeSpan.Zero, shutdown.Token);
        stale.AtStep(1, w => w.Write(1L), CancellationToken.None);
        stale.Disable();
        stale.AtStep(2, w => w.Write(2L), CancellationToken.None);
        shutdown.Cancel();
        Assert.Throws<OperationCanceledException>(() => stale.AtStep(3, w => w.Write(3L), shutdown.Token));
        Assert.Null(_store.LoadLatest(8, "fp-1"));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }
}
