namespace LayerLab.Web.Datasets;

/// <summary>"LayerLab:Datasets": limits on uploaded datasets and where the default text is found.</summary>
public sealed class DatasetOptions
{
    public const string Section = "LayerLab:Datasets";

    /// <summary>Largest file one upload may carry (413 beyond, with the number).</summary>
    public long MaxBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>What one person may keep in dataset versions in all (507 beyond, with the numbers).</summary>
    public long QuotaBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>The default English text that scripts/setup-machine.sh writes (the King James Bible from Debian's
    /// bible-kjv-text). Where it is missing the portal registers a small generated text, labelled as such.</summary>
    public string DefaultTextPath { get; set; } = "/usr/local/share/layerlab/datasets/kjv-bible.txt";
}
