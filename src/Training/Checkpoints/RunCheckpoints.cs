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
/// When a checkpoint is due (every <c>interval</c>), the state is captured at once but written one interval later,
/// when the next one is captured: by then every metric reported before it has long been stored, so a worker killed
/// at any moment never leaves a checkpoint ahead of its stored metrics (a resumed run would leave a gap). When the
/// worker shuts down cleanly, the newest state is written at once (the reports before it are drained first).
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
    private Checkpoint? _pending;
    private volatile bool _disabled;

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

    /// <summary>Identifies a run's configuration, so a checkpoint is only ever resumed by the same experiment,
    /// parameters and seed.</summary>
    public static string Fingerprint(string experimentKey, string parametersJson, long seed) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{experimentKey}\n{parametersJson}\n{seed}")));

    /// <summary>The newest valid checkpoint of this run, or null to start from scratch (none, or all damaged).</summary>
    public Checkpoint? Resume()
    {
        ResumedFromStep = null;
        _pending = null;
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
            if (Enabled && _shutdown.IsCancellationRequested) Write(Capture(step, write));
            cancellationToken.ThrowIfCancellationRequested();
        }
        if (!Enabled || _clock.Elapsed < _nextDue) return;
        if (_pending is not null) Write(_pending);
        _pending = Capture(step, write);
        _nextDue = _clock.Elapsed + _interval;
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
