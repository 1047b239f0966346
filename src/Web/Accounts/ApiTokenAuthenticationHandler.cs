using System.Security.Claims;
using System.Text.Encodings.Web;
using LayerLab.Data.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace LayerLab.Web.Accounts;

/// <summary>
/// Authenticates "Authorization: Bearer ll_…" as the token's owner, with the owner's roles and the token's scopes.
/// A token checked in the last few seconds is answered from <see cref="ValidatedTokenCache"/> (no database query).
/// </summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiTokenService tokens,
    ValidatedTokenCache cache,
    IServiceScopeFactory scopes) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = PresentedToken(Context);
        if (presented is null) return AuthenticateResult.NoResult();
        if (cache.TryGet(presented, out var cached)) return Success(cached.Claims);

        var generation = cache.Generation;
        var token = await tokens.ValidateAsync(presented, Context.RequestAborted);
        if (token is null) return AuthenticateResult.Fail("Invalid, expired or revoked API token.");

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<LabUser>>();
        var user = await users.FindByIdAsync(token.UserId);
        // Lockout guards the password form only: anyone can lock an account by guessing, and that must not switch off
        // its owner's API and worker tokens. A token ends by revocation or expiry.
        if (user is null) return AuthenticateResult.Fail("The token's owner no longer exists.");

        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id),
            new(ClaimTypes.Name, user.UserName ?? user.Id),
            new("token_id", token.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        claims.AddRange((await users.GetRolesAsync(user)).Select(r => new Claim(ClaimTypes.Role, r)));
        claims.AddRange(token.Scopes.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => new Claim(LabPolicies.ScopeClaim, s)));
        cache.Store(presented, new ValidatedTokenCache.Identity(token.Id, user.Id, claims), token.ExpiresAt, generation);
        return Success(claims);
    }

    /// <summary>
    /// The token of "Authorization: Bearer …", or, on MLflow's paths only, the password of "Authorization: Basic …"
    /// (MLflow clients send MLFLOW_TRACKING_USERNAME/PASSWORD that way; the user name is ignored, the token says who).
    /// Null when the request carries neither (then the cookie decides).
    /// </summary>
    public static string? PresentedToken(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return header["Bearer ".Length..].Trim();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) || header.Length > 2048 ||
            !MlflowPaths.Contains(context.Request.Path)) return null;
        try
        {
            var decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? "" : decoded[(colon + 1)..];
        }
        catch (FormatException)
        {
            return ""; // malformed: authenticate with the token scheme, which refuses it
        }
    }

    /// <summary>A fresh principal per request (claims are immutable and shared): nothing downstream can alter the cached one.</summary>
    private static AuthenticateResult Success(IEnumerable<Claim> claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(
            new ClaimsPrincipal(new ClaimsIdentity(claims, ApiTokenDefaults.Scheme)), ApiTokenDefaults.Scheme));
}
