using System.Globalization;
using System.Text.RegularExpressions;

namespace LayerLab.Web.Datasets;

/// <summary>
/// The dataset store on disk, next to the database: <c>datasets/sha256/&lt;hash&gt;</c> holds each distinct content once;
/// <c>datasets/incoming/&lt;guid&gt;</c> holds uploads still streaming. An upload becomes visible only by a rename into
/// sha256/ after it was checked, so a failed or aborted upload leaves nothing but its incoming file, which is deleted.
/// </summary>
public sealed partial class DatasetFolder(string root)
{
    public string Root { get; } = Path.GetFullPath(root);
    public string Incoming => Path.Combine(Root, "incoming");
    public string Content => Path.Combine(Root, "sha256");

    /// <summary>The content file of a hash; throws on anything but 64 lowercase hex digits (never a path from outside).</summary>
    public string PathOf(string sha256)
    {
        if (!Sha256Pattern().IsMatch(sha256)) throw new ArgumentException("not a SHA-256 hex digest", nameof(sha256));
        return Path.Combine(Content, sha256);
    }

    public string NewIncomingPath()
    {
        Directory.CreateDirectory(Incoming);
        return Path.Combine(Incoming, Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture));
    }

    /// <summary>Moves a checked incoming file to its content address; when that content is already stored the
    /// incoming copy is simply dropped (same bytes).</summary>
    public string Commit(string incomingPath, string sha256)
    {
        var target = PathOf(sha256);
        Directory.CreateDirectory(Content);
        if (File.Exists(target)) File.Delete(incomingPath);
        else
        {
            try { File.Move(incomingPath, target); }
            catch (IOException) when (File.Exists(target)) { File.Delete(incomingPath); } // a parallel upload of the same bytes won
        }
        return target;
    }

    /// <summary>Incoming files left by a portal that stopped mid-upload: nothing refers to them.</summary>
    public void ClearIncoming()
    {
        if (!Directory.Exists(Incoming)) return;
        foreach (var file in Directory.EnumerateFiles(Incoming)) File.Delete(file);
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();
}
