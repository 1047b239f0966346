using System.Security.Claims;
using System.Text.Encodings.Web;
using LayerLab.Data.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace LayerLab.Web.Accounts;

/// <summary>Authenticates "Authorization: Bearer ll_…" as the token's owner, with the owner's roles and the token's scopes.</summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiTokenService tokens,
    IServiceScopeFactory scopes) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        var token = await tokens.ValidateAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (token is null) return AuthenticateResult.Fail("Invalid, expired or revoked API token.");

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<LabUser>>();
        var user = await users.FindByIdAsync(token.UserId);
        if (user is null || await users.IsLockedOutAsync(user)) return AuthenticateResult.Fail("The token's owner cannot sign in.");

        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id),
            new(ClaimTypes.Name, user.UserName ?? user.Id),
            new("token_id", token.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        claims.AddRange((await users.GetRolesAsync(user)).Select(r => new Claim(ClaimTypes.Role, r)));
        claims.AddRange(token.Scopes.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => new Claim(LabPolicies.ScopeClaim, s)));
        var identity = new ClaimsIdentity(claims, ApiTokenDefaults.Scheme);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), ApiTokenDefaults.Scheme));
    }
}
