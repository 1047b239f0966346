using Microsoft.Extensions.Caching.Memory;

namespace LayerLab.Web.Accounts;

/// <summary>
/// Failed sign-ins for emails that have no account, counted like Identity counts them for real accounts (same
/// threshold, same wait), so the answer to a sign-in never tells whether an email exists. In memory, bounded:
/// only the count matters, and a restart forgetting it is no worse than the per-address rate limit.
/// </summary>
public sealed class UnknownAccountLockout(TimeProvider clock) : IDisposable
{
    private const int MaxTracked = 10_000;
    private readonly MemoryCache _failures = new(new MemoryCacheOptions { SizeLimit = MaxTracked });
    private readonly Lock _gate = new();

    public int MaxFailures { get; init; } = 5;
    public TimeSpan LockoutTime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>When the email is locked out, until when; else null.</summary>
    public DateTimeOffset? LockedUntil(string email)
    {
        lock (_gate)
            return _failures.TryGetValue(Key(email), out Entry? entry) && entry!.LockedUntil > clock.GetUtcNow() ? entry.LockedUntil : null;
    }

    /// <summary>Counts one failure; returns the lockout's end when this failure starts one.</summary>
    public DateTimeOffset? RecordFailure(string email)
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            var key = Key(email);
            var entry = _failures.TryGetValue(key, out Entry? found) ? found! : new Entry();
            entry.Failures++;
            if (entry.Failures >= MaxFailures)
            {
                entry.Failures = 0;
                entry.LockedUntil = now + LockoutTime;
            }
            _failures.Set(key, entry, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = LockoutTime * 2 });
            return entry.Failures == 0 ? entry.LockedUntil : null;
        }
    }

    public void Dispose() => _failures.Dispose();

    private static string Key(string email) => email.Trim().ToUpperInvariant();

    private sealed class Entry
    {
        public int Failures { get; set; }
        public DateTimeOffset LockedUntil { get; set; }
    }
}
