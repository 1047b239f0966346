using LayerLab.Training.Checkpoints;
using Microsoft.Extensions.Logging.Abstractions;

namespace LayerLab.Tests.Unit.Checkpoints;

/// <summary>
/// The state captured as a loop stops for a shutdown reaches the disk only once every metric reported before it is
/// stored: a stopping portal may drop points still on their way, and a checkpoint ahead of them would leave a gap
/// in the resumed run's history.
/// </summary>
public sealed class ShutdownCheckpointTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "layerlab-shutdown-ckpt-tests", Guid.NewGuid().ToString("N"));
    private readonly FileCheckpointStore _store;

    public ShutdownCheckpointTests() => _store = new FileCheckpointStore(_directory, NullLogger<FileCheckpointStore>.Instance);

    private static void StopAt(RunCheckpoints checkpoints, long step, CancellationToken token) =>
        Assert.ThrowsAny<OperationCanceledException>(() => checkpoints.AtStep(step, w => w.Write(step), token));

    [Fact]
    public async Task Is_written_after_the_reports_before_it_are_stored()
    {
        using var shutdown = new CancellationTokenSource();
        var stored = new TaskCompletionSource();
        var checkpoints = new RunCheckpoints(_store, 7, "fp", TimeSpan.FromHours(1), shutdown.Token)
        {
            FlushReports = token => stored.Task.WaitAsync(token),
        };
        await shutdown.CancelAsync();
        StopAt(checkpoints, 9, shutdown.Token);
        Assert.Null(_store.LoadLatest(7, "fp")); // not at the moment the loop stops

        var saving = checkpoints.SaveAtShutdownAsync(TimeSpan.FromSeconds(30));
        Assert.False(saving.IsCompleted);
        Assert.Null(_store.LoadLatest(7, "fp"));
        stored.SetResult();
        await saving;

        Assert.Equal(9, _store.LoadLatest(7, "fp")?.Step);
    }

    [Fact]
    public async Task Is_not_written_when_the_reports_cannot_be_confirmed_and_the_previous_one_stands()
    {
        // An earlier checkpoint (step 3), then a shutdown at step 9 whose reports never confirm (the portal stopped).
        _store.Save(8, new Checkpoint("fp", 3, BitConverter.GetBytes(3L)));
        using var shutdown = new CancellationTokenSource();
        var checkpoints = new RunCheckpoints(_store, 8, "fp", TimeSpan.FromHours(1), shutdown.Token)
        {
            FlushReports = token => Task.Delay(Timeout.Infinite, token),
        };
        await shutdown.CancelAsync();
        StopAt(checkpoints, 9, shutdown.Token);

        await checkpoints.SaveAtShutdownAsync(TimeSpan.FromMilliseconds(200));

        Assert.Equal(3, _store.LoadLatest(8, "fp")?.Step);
    }

    [Fact]
    public async Task A_user_cancel_saves_nothing()
    {
        using var cancel = new CancellationTokenSource();
        var checkpoints = new RunCheckpoints(_store, 9, "fp", TimeSpan.FromHours(1), CancellationToken.None);
        await cancel.CancelAsync();
        StopAt(checkpoints, 4, cancel.Token);

        await checkpoints.SaveAtShutdownAsync(TimeSpan.FromSeconds(1));

        Assert.Null(_store.LoadLatest(9, "fp"));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }
}
