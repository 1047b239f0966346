namespace LayerLab.Web.ExternalRuns;

/// <summary>
/// The client's file name is only ever a display name. Anything that looks like a path, or decodes to one after
/// one or two rounds of percent-decoding, is refused; the file on disk always gets a server-generated GUID name.
/// </summary>
public static class ArtifactNames
{
    public const int MaxDisplayNameLength = 255;

    private static readonly Dictionary<string, string> SafeTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".png"] = "image/png",
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".gif"] = "image/gif",
        [".json"] = "application/json",
        [".txt"] = "text/plain",
        [".log"] = "text/plain",
        [".csv"] = "text/csv",
        [".zip"] = "application/zip",
        [".gz"] = "application/gzip",
    };

    /// <summary>Null when <paramref name="name"/> is acceptable as a display name; otherwise why not.</summary>
    public static string? Problem(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return "The file needs a name.";
        if (name.Length > MaxDisplayNameLength) return $"The file name must be at most {MaxDisplayNameLength} characters.";
        if (name.Any(c => char.IsControl(c) || c is '/' or '\\' or ':'))
            return "The file name must not contain path separators, ':' or control characters.";
        if (name.Contains("..", StringComparison.Ordinal)) return "The file name must not contain '..'.";
        if (Path.IsPathRooted(name) || name.StartsWith('~')) return "The file name must not be a path.";
        // %2e%2e%2f, %252e… and friends: a name that changes under percent-decoding is an encoded name, refused
        // whatever it decodes to (a later layer might decode it again).
        try
        {
            if (Uri.UnescapeDataString(name) != name) return "The file name must not be percent-encoded.";
        }
        catch (UriFormatException)
        {
            return "The file name must not be percent-encoded.";
        }
        if (name.Trim() != name || name.EndsWith('.')) return "The file name must not start or end with spaces or end with '.'.";
        return null;
    }

    /// <summary>application/octet-stream unless the extension is a type browsers handle without executing it.</summary>
    public static string ContentTypeFor(string displayName) =>
        SafeTypes.TryGetValue(Path.GetExtension(displayName), out var type) ? type : "application/octet-stream";
}
