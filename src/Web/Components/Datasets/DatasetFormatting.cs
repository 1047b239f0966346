using System.Globalization;
using LayerLab.Data.Datasets;

namespace LayerLab.Web.Components.Datasets;

/// <summary>How the Datasets pages (and the run page's link) write sizes, hashes and version labels.</summary>
public static class DatasetFormatting
{
    /// <summary>Enough of a SHA-256 to tell versions apart at a glance; the full hash is in the title and on the detail page.</summary>
    public static string ShortHash(string? sha256) => sha256 is { Length: > 12 } ? sha256[..12] : sha256 ?? "";

    public static string Label(Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return string.Create(CultureInfo.InvariantCulture, $"{dataset.Name} v{dataset.Version}");
    }

    /// <summary>Bytes in binary units, with the exact count for small files (the limits are set in bytes).</summary>
    public static string Size(long bytes)
    {
        if (bytes < 1024) return string.Create(CultureInfo.InvariantCulture, $"{bytes} B");
        string[] units = ["KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = -1;
        while (value >= 1024 && unit < units.Length - 1) { value /= 1024; unit++; }
        return string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {units[unit]}");
    }

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
