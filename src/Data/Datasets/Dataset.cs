namespace LayerLab.Data.Datasets;

/// <summary>
/// One immutable version of an uploaded dataset. The content lives once per SHA-256 under the data folder
/// (<c>datasets/sha256/&lt;hash&gt;</c>); uploading the same name again makes the next version, never an overwrite.
/// The text statistics are computed while the upload streams to disk, so a preview never reads the whole file.
/// </summary>
public sealed class Dataset
{
    public const int MaxNameLength = 100;
    public const int MaxLicenceLength = 200;
    public const int MaxSourceLength = 500;

    public long Id { get; set; }
    public required string Name { get; set; }
    public int Version { get; set; }
    /// <summary>"text" or "csv" (both UTF-8).</summary>
    public required string Kind { get; set; }
    public required string Sha256 { get; set; }
    public long Bytes { get; set; }
    /// <summary>Unicode code points.</summary>
    public long Characters { get; set; }
    public long Lines { get; set; }
    public int DistinctCharacters { get; set; }
    public int DistinctBytes { get; set; }
    public required string Licence { get; set; }
    public required string Source { get; set; }
    /// <summary>The small generated fallback text (setup could not install the default); labelled everywhere.</summary>
    public bool Generated { get; set; }
    /// <summary>Registered by the portal itself (the default text), not uploaded by a person.</summary>
    public bool BuiltIn { get; set; }
    public string? UploadedBy { get; set; }
    public string? UploadedById { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
