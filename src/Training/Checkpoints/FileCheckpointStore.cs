using Microsoft.Extensions.Logging;

namespace LayerLab.Training.Checkpoints;

/// <summary>
/// Checkpoints as files in one directory (<c>run-{id}.ckpt</c> and the previous one, <c>run-{id}.prev.ckpt</c>).
/// A save writes a temporary file, flushes it to disk, then renames: rename is atomic on one file system, so a
/// crash leaves the old file, the new file, or (between the two renames) the previous one — never half a file.
/// Workers on several machines may share the directory (one attempt holds a run's lease at a time).
/// </summary>
public sealed partial class FileCheckpointStore : ICheckpointStore
{
    private readonly ILogger _logger;

    public FileCheckpointStore(string directory, ILogger<FileCheckpointStore> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
        _logger = logger;
    }

    public string Directory { get; }

    public string PathOf(long runId) => Path.Combine(Directory, $"run-{runId}.ckpt");

    public string PreviousPathOf(long runId) => Path.Combine(Directory, $"run-{runId}.prev.ckpt");

    public void Save(long runId, Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        System.IO.Directory.CreateDirectory(Directory);
        var bytes = CheckpointFile.Encode(checkpoint);
        var temporary = Path.Combine(Directory, $"run-{runId}.ckpt.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true); // the bytes are on disk before the name points at them
            }
            var current = PathOf(runId);
            if (File.Exists(current)) File.Move(current, PreviousPathOf(runId), overwrite: true);
            File.Move(temporary, current, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary); // only when a step above failed
        }
        LogSaved(runId, checkpoint.Step, bytes.Length);
    }

    public Checkpoint? LoadLatest(long runId, string fingerprint)
    {
        foreach (var path in new[] { PathOf(runId), PreviousPathOf(runId) })
        {
            if (!File.Exists(path)) continue;
            try
            {
                var checkpoint = CheckpointFile.Decode(File.ReadAllBytes(path));
                if (checkpoint.Fingerprint == fingerprint) return checkpoint;
                LogForeign(runId, path);
            }
            catch (InvalidDataException ex)
            {
                LogDamaged(runId, path, ex.Message);
            }
            catch (IOException ex)
            {
                LogDamaged(runId, path, ex.Message);
            }
        }
        return null;
    }

    public void Delete(long runId)
    {
        if (!System.IO.Directory.Exists(Directory)) return;
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, $"run-{runId}.*"))
        {
            try { File.Delete(path); }
            catch (IOException ex) { LogNotDeleted(path, ex.Message); }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Run {RunId}: checkpoint at step {Step} saved ({Bytes} bytes)")]
    private partial void LogSaved(long runId, long step, int bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId}: checkpoint {Path} ignored: {Reason}")]
    private partial void LogDamaged(long runId, string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId}: checkpoint {Path} ignored: it belongs to another configuration")]
    private partial void LogForeign(long runId, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpoint {Path} could not be deleted: {Reason}")]
    private partial void LogNotDeleted(string path, string reason);
}
