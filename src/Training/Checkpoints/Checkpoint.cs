namespace LayerLab.Training.Checkpoints;

/// <summary>
/// One saved training state of a run: the step the loop resumes at and the experiment's own bytes (weights,
/// optimizer state, RNG state — whatever its loop needs to continue exactly where it stopped).
/// </summary>
/// <param name="Fingerprint">Identifies what produced the state (experiment, parameters, seed): a checkpoint is only
/// resumed by the same configuration, never by a different run that happens to reuse the id.</param>
/// <param name="Step">The first step the resumed loop trains; every step before it is done and reported.</param>
/// <param name="State">The experiment's serialized state (its format is the experiment's business).</param>
public sealed record Checkpoint(string Fingerprint, long Step, byte[] State);

/// <summary>
/// Where checkpoints live. The file implementation keeps them in one directory that several workers may share;
/// a save replaces the run's checkpoint atomically and keeps the previous one as a fallback.
/// </summary>
public interface ICheckpointStore
{
    /// <summary>Writes the checkpoint of <paramref name="runId"/> so that a crash at any moment leaves either the old
    /// or the new one readable, never a partial file. Synchronous: training loops call it on their own thread.</summary>
    void Save(long runId, Checkpoint checkpoint);

    /// <summary>The newest valid checkpoint of the run with this fingerprint, or null. Damaged files (bad checksum,
    /// truncated) and other fingerprints are skipped with a warning, falling back to the previous checkpoint.</summary>
    Checkpoint? LoadLatest(long runId, string fingerprint);

    /// <summary>Removes the run's checkpoints (the run has ended; nothing will resume it).</summary>
    void Delete(long runId);
}
