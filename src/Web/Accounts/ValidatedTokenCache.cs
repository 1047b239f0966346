using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace LayerLab.Web.Accounts;

/// <summary>
/// Remembers, for a few seconds, which bearer tokens were valid and the claims they carried, so that a client
/// logging metrics many times a second does not cost 3–4 database queries (token, user, lockout, roles) per request.
/// Correctness does not rest on the short lifetime: every change that can make a cached answer wrong is made in this
/// process and calls <see cref="InvalidateToken"/> (revoke) or <see cref="InvalidateUser"/> (role change, lockout,
/// password or security-stamp change, deletion — all through <see cref="LabUserManager"/>); an entry never outlives
/// its token's expiry. The lifetime is the safety net for changes made outside the portal (a hand-edited database).
/// </summary>
public sealed class ValidatedTokenCache(TimeProvider clock, IOptions<Security.AuthOptions> options)
{
    /// <summary>Above this many entries the cache starts again empty: bounds memory against many distinct tokens.</summary>
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _generation;

    public TimeSpan Lifetime { get; } = TimeSpan.FromSeconds(Math.Max(0, options.Value.TokenCacheSeconds));

    /// <summary>The claims of a valid token, captured when it was checked against the database.</summary>
    public sealed record Identity(long TokenId, string UserId, IReadOnlyList<Claim> Claims);

    private sealed record Entry(Identity Identity, DateTimeOffset ValidUntil);

    /// <summary>Read before the database lookup and handed to <see cref="Store"/>: an invalidation in between wins.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public bool TryGet(string presented, out Identity identity)
    {
        identity = null!;
        if (Lifetime <= TimeSpan.Zero || !_entries.TryGetValue(KeyOf(presented), out var entry)) return false;
        if (entry.ValidUntil <= clock.GetUtcNow())
        {
            _entries.TryRemove(KeyOf(presented), out _);
            return false;
        }
        identity = entry.Identity;
        return true;
    }

    /// <summary>Stores a freshly validated token unless something was invalidated since <paramref name="generation"/>.</summary>
    public void Store(string presented, Identity identity, DateTimeOffset? tokenExpiresAt, long generation)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (Lifetime <= TimeSpan.Zero) return;
        var validUntil = clock.GetUtcNow() + Lifetime;
        if (tokenExpiresAt is { } expires && expires < validUntil) validUntil = expires;
        if (_entries.Count >= MaxEntries) _entries.Clear();
        _entries[KeyOf(presented)] = new Entry(identity, validUntil);
        // A revoke or role change that ran while this request read the database may have missed the entry just stored.
        if (Generation != generation) _entries.TryRemove(KeyOf(presented), out _);
    }

    public void InvalidateToken(long tokenId) => RemoveWhere(e => e.Identity.TokenId == tokenId);

    public void InvalidateUser(string userId) => RemoveWhere(e => e.Identity.UserId == userId);

    private void RemoveWhere(Func<Entry, bool> match)
    {
        Interlocked.Increment(ref _generation);
        foreach (var (key, entry) in _entries)
            if (match(entry)) _entries.TryRemove(key, out _);
    }

    /// <summary>Keyed by a hash, so the cache never holds a token's secret in the clear.</summary>
    private static string KeyOf(string presented) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
}
