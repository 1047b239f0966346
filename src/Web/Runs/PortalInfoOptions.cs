namespace LayerLab.Web.Runs;

/// <summary>The "LayerLab" section as GET /api/info reads it: only the instance name (the section's other keys belong
/// to the options classes of their features).</summary>
public sealed class PortalInfoOptions
{
    public const string Section = "LayerLab";

    /// <summary>Shown in the app bar, so a team running two portals can tell them apart.</summary>
    public string InstanceName { get; set; } = "LayerLab";
}
