namespace LayerLab.Training.Contracts;

/// <summary>
/// One stored dataset version a run can train on. Content is immutable and addressed by its SHA-256, so a run that
/// records <see cref="Sha256"/> names exactly the bytes it saw.
/// </summary>
/// <param name="Id">The dataset version's id (what the <c>dataset</c> run parameter holds; 0 is never a stored id).</param>
/// <param name="Path">Absolute path of the content file on this machine (read-only).</param>
/// <param name="Generated">True for the small generated fallback text used where setup could not install the default.</param>
public sealed record DatasetFile(
    long Id, string Name, int Version, string Sha256, long Bytes, string Path, string Licence, string Source, bool Generated = false);

/// <summary>
/// Where experiments that train on stored data (tiny-lm) find it. The portal answers from its database and data
/// folder; the contract lives here so the training code never depends on the web or data projects.
/// </summary>
public interface IDatasetCatalog
{
    /// <summary>The dataset version with this id, or null when there is none.</summary>
    Task<DatasetFile?> FindAsync(long id, CancellationToken cancellationToken);

    /// <summary>The default text dataset (installed by setup; a labelled generated fallback where it is missing).</summary>
    Task<DatasetFile> DefaultTextAsync(CancellationToken cancellationToken);
}
