namespace LayerLab.Web.Accounts;

/// <summary>"LayerLab:Admin": the first admin account, created at start when both are set. Never put a real password
/// in appsettings.json.</summary>
public sealed class AdminOptions
{
    public const string Section = "LayerLab:Admin";

    public string? Email { get; set; }
    public string? Password { get; set; }
}
