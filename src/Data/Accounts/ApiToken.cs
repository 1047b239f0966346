namespace LayerLab.Data.Accounts;

/// <summary>
/// A personal API token. The secret is shown once at creation and stored only as a SHA-256 hash; the short prefix
/// is stored in clear so a presented token is found by index, then compared by hash in constant time.
/// </summary>
public sealed class ApiToken
{
    public long Id { get; set; }
    public required string UserId { get; set; }
    public required string Name { get; set; }
    public required string Prefix { get; set; }
    public required string SecretHash { get; set; }
    /// <summary>Comma-separated: "read", "write".</summary>
    public required string Scopes { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
}
