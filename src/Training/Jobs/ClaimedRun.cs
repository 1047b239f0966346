using LayerLab.Training.Checkpoints;

namespace LayerLab.Training.Jobs;

/// <summary>How a claimed run left training; each leaves <see cref="Training"/> once.</summary>
internal enum ClaimedRunState { Training, Done, Cancelled, LeaseLost }

/// <summary>
/// One run a <see cref="TrainRunJob"/> claimed: its attempt, the reporter that attempt trains with, its checkpoints
/// (a run trained alone) and its in-process cancel signal. Its state leaves Training exactly once (compare-and-set),
/// so a cancel, a lost lease and the end of training never both write to the run.
/// </summary>
internal sealed class ClaimedRun(RunSpec spec, int attempt, AttemptReporter reporter, CancellationToken userCancel, long systemClockStart = 0) : IDisposable
{
    private int _state = (int)ClaimedRunState.Training;
    private CancellationTokenRegistration _onUserCancel;

    public RunSpec Spec { get; } = spec;
    public long RunId => Spec.RunId;
    public int Attempt { get; } = attempt;
    public AttemptReporter Reporter { get; } = reporter;
    public CancellationToken UserCancel { get; } = userCancel;

    /// <summary>See <see cref="RunClaim.SystemClockStart"/>.</summary>
    public long SystemClockStart { get; } = systemClockStart;

    /// <summary>Only for a run trained alone: batches do not checkpoint (interrupted, they start over).</summary>
    public RunCheckpoints? Checkpoints { get; set; }

    /// <summary>The ledger call that records where this attempt resumed; awaited before the run ends.</summary>
    public Task ResumeRecorded { get; set; } = Task.CompletedTask;

    public ClaimedRunState State => (ClaimedRunState)Volatile.Read(ref _state);

    public bool IsTraining => State == ClaimedRunState.Training;

    public bool TryEnd(ClaimedRunState end) =>
        Interlocked.CompareExchange(ref _state, (int)end, (int)ClaimedRunState.Training) == (int)ClaimedRunState.Training;

    /// <summary>This attempt may write nothing more (cancelled here, or its lease is gone): its reports and checkpoints stop.</summary>
    public void Silence()
    {
        Reporter.Stop();
        Checkpoints?.Disable();
    }

    /// <summary>Wakes the job's cancel watcher the moment someone cancels the run in this process.</summary>
    public void OnUserCancel(Action wake) => _onUserCancel = UserCancel.Register(wake);

    /// <summary>Stops waking the watcher (before the watcher's resources go away).</summary>
    public void StopWatching() => _onUserCancel.Dispose();

    public void Dispose() => StopWatching();
}
