using System.Security.Claims;
using LayerLab.Data.Accounts;
using Microsoft.AspNetCore.Identity;

namespace LayerLab.Web.Accounts;

/// <summary>
/// A signed-in user's theme choice ("light" or "dark"; none: follow the system), kept on the server with the account
/// so it follows the user to every browser (issue #22). It is an Identity user claim: a preference of the account,
/// stored in AspNetUserClaims, no schema of its own. The browser's cookie still carries the choice too, so pages of
/// anonymous visitors (sign-in) and the first paint before the circuit starts need no database read.
/// </summary>
public sealed class ThemePreference(IServiceScopeFactory scopes)
{
    public const string ClaimType = "layerlab:theme";

    /// <summary>The stored choice of the signed-in user, or null (anonymous, no choice, or an unknown account).</summary>
    public async Task<string?> GetAsync(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true) return null;
        // A scope per call: the layout lives as long as the circuit, a DbContext should not.
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<LabUser>>();
        var account = await users.GetUserAsync(user);
        if (account is null) return null;
        var claim = (await users.GetClaimsAsync(account)).FirstOrDefault(c => c.Type == ClaimType);
        return Normalise(claim?.Value);
    }

    /// <summary>Stores the choice for the signed-in user (the principal of this circuit: a user can only set their
    /// own); null forgets it. Anonymous callers are ignored.</summary>
    public async Task SetAsync(ClaimsPrincipal user, string? choice)
    {
        if (user.Identity?.IsAuthenticated != true) return;
        choice = Normalise(choice);
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<LabUser>>();
        var account = await users.GetUserAsync(user);
        if (account is null) return;
        var existing = (await users.GetClaimsAsync(account)).Where(c => c.Type == ClaimType).ToList();
        if (existing.Count > 0) await users.RemoveClaimsAsync(account, existing);
        if (choice is not null) await users.AddClaimAsync(account, new Claim(ClaimType, choice));
    }

    /// <summary>Only "light" and "dark" are choices; anything else means "follow the system".</summary>
    public static string? Normalise(string? choice) => choice is "light" or "dark" ? choice : null;
}
