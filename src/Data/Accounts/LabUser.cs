using Microsoft.AspNetCore.Identity;

namespace LayerLab.Data.Accounts;

/// <summary>A team member (ASP.NET Core Identity on the portal database).</summary>
public sealed class LabUser : IdentityUser
{
    public string? DisplayName { get; set; }
}

/// <summary>The four roles. Each includes the rights of the ones before it except where a rule says otherwise
/// (a Reviewer may not review their own runs).</summary>
public static class LabRoles
{
    public const string Viewer = "Viewer";
    public const string Researcher = "Researcher";
    public const string Reviewer = "Reviewer";
    public const string Admin = "Admin";

    public static IReadOnlyList<string> All { get; } = [Viewer, Researcher, Reviewer, Admin];
}
