namespace LayerLab.Web.Accounts;

public static class ApiTokenDefaults
{
    public const string Scheme = "ApiToken";
    /// <summary>Chooses the token scheme for "Authorization: Bearer …" requests and the cookie otherwise.</summary>
    public const string SmartScheme = "CookieOrToken";
    /// <summary>Tokens look like "ll_{prefix}_{secret}": the prefix finds the row, the secret is checked by hash.</summary>
    public const string TokenStart = "ll_";
}
