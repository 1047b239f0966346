using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LayerLab.Training.Checkpoints;

/// <summary>
/// What an experiment's training loop uses to checkpoint and resume (<c>context.Checkpoints</c>). Opting in is a few
/// lines: call <see cref="Resume"/> once before the loop and, if it returns a checkpoint, read the state and start
/// at its step; call <see cref="AtStep"/> at the top of every step instead of <c>token.ThrowIfCancellationRequested()</c>.
/// <para>
/// When a checkpoint is due (every <c>interval</c>), the state is captured at once but written later, when the next
/// one is due and every metric reported before the capture is stored (<see cref="FlushReports"/>: over HTTP a
/// remote worker's points can take longer than an interval to reach the portal), so a worker killed at any moment
/// never leaves a checkpoint ahead of its stored metrics (a resumed run would leave a gap). When the worker shuts
/// down cleanly, the newest state is written as soon as the reports before it are stored (<see cref="SaveAtShutdownAsync"/>).
/// </para>
/// </summary>
public sealed partial class RunCheckpoints
{
    private readonly ICheckpointStore? _store;
    private readonly long _runId;
    private readonly string _fingerprint;
    private readonly TimeSpan _interval;
    private readonly CancellationToken _shutdown;
    private readonly ILogger _logger;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _nextDue;
    private Pending? _pending;
    private Checkpoint? _atShutdown;
    private volatile bool _disabled;
    private long _published;
    private long _handedOver;

    /// <summary>A captured checkpoint waiting for the reports made before it to be stored.</summary>
    private sealed class Pending(Checkpoint checkpoint, long reportsBefore)
    {
        public Checkpoint Checkpoint { get; } = checkpoint;
        public long ReportsBefore { get; } = reportsBefore;
        public Task? Flush { get; set; }
    }

    /// <param name="store">Null: checkpointing is off (every call is a no-op, <see cref="Resume"/> returns null).</param>
    /// <param name="shutdown">Signalled when the worker shuts down: a loop stopping for it saves its state first.</param>
    public RunCheckpoints(
        ICheckpointStore? store, long runId, string fingerprint, TimeSpan interval, CancellationToken shutdown, ILogger? logger = null)
    {
        _store = store;
        _runId = runId;
        _fingerprint = fingerprint;
        _interval = interval < TimeSpan.Zero ? TimeSpan.Zero : interval;
        _nextDue = _interval;
        _shutdown = shutdown;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Checkpointing off: for tests and callers that train outside a job.</summary>
    public static RunCheckpoints None() => new(null, 0, "", TimeSpan.MaxValue, CancellationToken.None);

    public bool Enabled => _store is not null && !_disabled;

    /// <summary>The step the last <see cref="Resume"/> resumed at; null when it started from scratch.</summary>
    public long? ResumedFromStep { get; private set; }

    /// <summary>Called with the step when <see cref="Resume"/> finds a checkpoint (the job records it on the run).
    /// It runs on the training thread, so it must return at once.</summary>
    public Action<long>? Resumed { get; set; }

    /// <summary>Completes when every point handed to the reporter so far is stored (the job sets the reporter's
    /// flush). Null: a pending checkpoint is written one interval after its capture, trusting storage to be faster.</summary>
    public Func<CancellationToken, Task>? FlushReports { get; set; }

    /// <summary>The training thread put a live report in the pipeline (see <c>TrainingThread</c>).</summary>
    public void ReportPublished() => Interlocked.Increment(ref _published);

    /// <summary>A live report left the pipeline: the reporter has it (stored once its flush completes).</summary>
    public void ReportHandedOver() => Interlocked.Increment(ref _handedOver);

    /// <summary>Identifies a run's configuration, so a checkpoint is only ever resumed by the same experiment,
    /// parameters and seed.</summary>
    public static string Fingerprint(string experimentKey, string parametersJson, long seed) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{experimentKey}\n{parametersJson}\n{seed}")));

    /// <summary>The newest valid checkpoint of this run, or null to start from scratch (none, or all damaged).</summary>
    public Checkpoint? Resume()
    {
        ResumedFromStep = null;
        _pending = null;
        // A new pass of the loop (a retried TrainAsync) reports through a new pipeline: count from zero.
        Interlocked.Exchange(ref _published, 0);
        Interlocked.Exchange(ref _handedOver, 0);
        if (!Enabled) return null;
        var checkpoint = _store!.LoadLatest(_runId, _fingerprint);
        if (checkpoint is null) return null;
        ResumedFromStep = checkpoint.Step;
        LogResumed(_runId, checkpoint.Step);
        Resumed?.Invoke(checkpoint.Step);
        return checkpoint;
    }

    /// <summary>
    /// At the top of step <paramref name="step"/> (before any of its work): throws when the run is cancelled —
    /// after saving the state when the cause is a shutdown — and captures a checkpoint when one is due.
    /// </summary>
    /// <param name="write">Writes everything the loop needs to continue at <paramref name="step"/>.</param>
    public void AtStep(long step, Action<BinaryWriter> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (cancellationToken.IsCancellationRequested)
        {
            // Captured now, written by SaveAtShutdownAsync once the reports made before it are stored: written here,
            // it would be ahead of points still on their way, which a stopping portal may never store (a resumed run
            // would then leave a gap; seen in CheckpointResumeTests under load).
            if (Enabled && _shutdown.IsCancellationRequested) _atShutdown = Capture(step, write);
            cancellationToken.ThrowIfCancellationRequested();
        }
        if (!Enabled || _clock.Elapsed < _nextDue) return;
        if (_pending is not null)
        {
            if (!ReportsStoredBefore(_pending)) return; // not yet: look again at the next step
            Write(_pending.Checkpoint);
        }
        _pending = new Pending(Capture(step, write), Interlocked.Read(ref _published));
        _nextDue = _clock.Elapsed + _interval;
    }

    /// <summary>Never blocks the training loop: starts the reporter's flush once the reports made before the capture
    /// have reached the reporter, and says yes when that flush has completed.</summary>
    private bool ReportsStoredBefore(Pending pending)
    {
        if (FlushReports is null) return true;
        if (pending.Flush is null)
        {
            if (Interlocked.Read(ref _handedOver) < pending.ReportsBefore) return false;
            pending.Flush = FlushReports(_shutdown);
        }
        if (!pending.Flush.IsCompleted) return false;
        if (pending.Flush.IsCompletedSuccessfully) return true;
        _ = pending.Flush.Exception; // observed; a failed flush is tried again at the next step
        pending.Flush = null;
        return false;
    }

    /// <summary>
    /// After the loop stopped for a shutdown (and handed over its last reports): waits up to <paramref name="timeout"/>
    /// for every report to be stored, then writes the state captured as the loop stopped. When the reports cannot be
    /// confirmed in time (the portal is stopping too) nothing is written: the last checkpoint on disk was written only
    /// after its own reports were stored, so resuming from it leaves no gap, it only repeats some steps.
    /// </summary>
    public async Task SaveAtShutdownAsync(TimeSpan timeout)
    {
        var checkpoint = Interlocked.Exchange(ref _atShutdown, null);
        if (checkpoint is null || !Enabled) return;
        try
        {
            using var limit = new CancellationTokenSource(timeout);
            if (FlushReports is not null) await FlushReports(limit.Token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogShutdownSaveSkipped(ex, _runId, checkpoint.Step);
            return;
        }
        Write(checkpoint);
    }

    /// <summary>The attempt lost its lease: it must write nothing more, checkpoints included.</summary>
    public void Disable() => _disabled = true;

    private Checkpoint Capture(long step, Action<BinaryWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true)) write(writer);
        return new Checkpoint(_fingerprint, step, buffer.ToArray());
    }

    private void Write(Checkpoint checkpoint)
    {
        if (!Enabled) return;
        try
        {
            _store!.Save(_runId, checkpoint);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A full disk must not kill a run that can still finish; it only loses the ability to resume.
            LogSaveFailed(ex, _runId, checkpoint.Step);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} resumes from its checkpoint at step {Step}")]
    private partial void LogResumed(long runId, long step);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId}: shutdown checkpoint at step {Step} not saved: its metrics could not be confirmed stored; the run resumes from its previous checkpoint")]
    private partial void LogShutdownSaveSkipped(Exception ex, long runId, long step);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId}: checkpoint at step {Step} could not be saved")]
    private partial void LogSaveFailed(Exception ex, long runId, long step);
}

public static class CheckpointExtensions
{
    /// <summary>A reader over the experiment's saved state.</summary>
    public static BinaryReader OpenState(this Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return new BinaryReader(new MemoryStream(checkpoint.State, writable: false), Encoding.UTF8);
    }
}
