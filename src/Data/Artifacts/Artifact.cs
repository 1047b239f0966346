namespace LayerLab.Data.Artifacts;

/// <summary>A file attached to a run (checkpoint, config, plot). Stored under the artifact folder by a
/// server-generated name; the client's name is kept only for display and the download's file name.</summary>
public sealed class Artifact
{
    public long Id { get; set; }
    public long RunId { get; set; }
    public required string StoredName { get; set; }
    public required string DisplayName { get; set; }
    public required string ContentType { get; set; }
    public long Size { get; set; }
    public required string Sha256 { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? UploadedBy { get; set; }
}
