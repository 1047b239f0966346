using System.Security.Cryptography;
using System.Text;
using LayerLab.Data;
using LayerLab.Data.Accounts;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Accounts;

public sealed record CreatedToken(long Id, string Token, DateTimeOffset? ExpiresAt);

/// <summary>Creates, checks and revokes personal API tokens. Only a hash of the secret is ever stored.</summary>
public sealed class ApiTokenService(
    IDbContextFactory<LabDbContext> dbFactory, TimeProvider clock, ValidatedTokenCache cache, Security.HubConnections hubConnections)
{
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public static readonly string[] KnownScopes = [LabPolicies.ReadScope, LabPolicies.WriteScope, LabPolicies.WorkerScope];

    public async Task<CreatedToken> CreateAsync(
        string userId, string name, IReadOnlyCollection<string> scopes, TimeSpan? lifetime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100) throw new ArgumentException("A token needs a name of 1–100 characters.", nameof(name));
        if (scopes.Count == 0 || scopes.Any(s => !KnownScopes.Contains(s))) throw new ArgumentException("Scopes must be read and/or write, or worker alone.", nameof(scopes));
        if (scopes.Contains(LabPolicies.WorkerScope) && scopes.Distinct().Count() > 1) throw new ArgumentException("The worker scope goes alone.", nameof(scopes));
        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = clock.GetUtcNow();
        var token = new ApiToken
        {
            UserId = userId,
            Name = name.Trim(),
            Prefix = prefix,
            SecretHash = Hash(secret),
            Scopes = string.Join(',', scopes.Distinct().Order(StringComparer.Ordinal)),
            CreatedAt = now,
            ExpiresAt = lifetime is { } l ? now + l : null,
        };
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.ApiTokens.Add(token);
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedToken(token.Id, $"{ApiTokenDefaults.TokenStart}{prefix}_{secret}", token.ExpiresAt);
    }

    /// <summary>Returns the token's row when the presented text is a live token (right secret, not expired or revoked).</summary>
    public async Task<ApiToken?> ValidateAsync(string presented, CancellationToken cancellationToken)
    {
        if (!TrySplit(presented, out var prefix, out var secret)) return null;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Prefix == prefix, cancellationToken);
        if (token is null) return null;
        var expected = Encoding.ASCII.GetBytes(token.SecretHash);
        var actual = Encoding.ASCII.GetBytes(Hash(secret));
        if (!CryptographicOperations.FixedTimeEquals(expected, actual)) return null;
        var now = clock.GetUtcNow();
        if (token.RevokedAt is not null || token.ExpiresAt <= now) return null;
        // Every API request passes here: record use at most once a minute instead of writing on each request.
        if (token.LastUsedAt is null || now - token.LastUsedAt >= LastUsedResolution)
        {
            token.LastUsedAt = now;
            await db.SaveChangesAsync(cancellationToken);
        }
        return token;
    }

    public async Task<bool> RevokeAsync(string userId, long tokenId, bool isAdmin, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var revoked = await db.ApiTokens.Where(t => t.Id == tokenId && (isAdmin || t.UserId == userId) && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now), cancellationToken) > 0;
        // Revocation is immediate: the next request with this token goes back to the database and is refused.
        // Open hub connections were authorized when they opened: close them, or they would stream on.
        if (revoked)
        {
            cache.InvalidateToken(tokenId);
            hubConnections.AbortToken(tokenId);
        }
        return revoked;
    }

    public async Task<List<ApiToken>> ListAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId).OrderByDescending(t => t.Id).ToListAsync(cancellationToken);
    }

    private static bool TrySplit(string presented, out string prefix, out string secret)
    {
        prefix = secret = "";
        if (presented.Length is < 20 or > 200 || !presented.StartsWith(ApiTokenDefaults.TokenStart, StringComparison.Ordinal)) return false;
        var rest = presented[ApiTokenDefaults.TokenStart.Length..];
        var split = rest.IndexOf('_', StringComparison.Ordinal);
        if (split != 12) return false;
        (prefix, secret) = (rest[..split], rest[(split + 1)..]);
        return secret.Length > 0;
    }

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
