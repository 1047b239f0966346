namespace LayerLab.Web.Security;

/// <summary>"LayerLab:Auth". In Security (not Accounts) because the circuit revalidation here reads it too, and
/// Accounts builds on Security, not the other way round.</summary>
public sealed class AuthOptions
{
    public const string Section = "LayerLab:Auth";

    /// <summary>How long a checked API token is trusted without asking the database again (0 turns the cache off).
    /// Revocation, role changes and lockouts done in the portal apply at once regardless; this bounds only changes
    /// made behind the portal's back.</summary>
    public double TokenCacheSeconds { get; set; } = 5;

    /// <summary>Same, for "this external run is Running and owned by X" on the metric logging endpoint.</summary>
    public double RunAccessCacheSeconds { get; set; } = 5;

    /// <summary>Sign-in attempts per client address per minute, whatever the account (429 beyond).</summary>
    public int SignInAttemptsPerMinute { get; set; } = 10;

    /// <summary>How often a sign-in cookie and an open Blazor circuit are checked against the account (security stamp:
    /// rotated by a role or password change). 0 checks a cookie on every request.</summary>
    public double RevalidateSeconds { get; set; } = 30;
}
