namespace LayerLab.Web.Accounts;

public static class ApiTokenDefaults
{
    public const string Scheme = "ApiToken";
    /// <summary>Chooses the token scheme for "Authorization: Bearer …" requests and the cookie otherwise.</summary>
    public const string SmartScheme = "CookieOrToken";
    /// <summary>Tokens look like "ll_{prefix}_{secret}": the prefix finds the row, the secret is checked by hash.</summary>
    public const string TokenStart = "ll_";

    /// <summary>Where a token is accepted: the HTTP API, its OpenAPI document and the SignalR hubs. Pages and the
    /// Blazor circuit are for people with a cookie.</summary>
    public static bool IsTokenPath(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/ajax-api") || path.StartsWithSegments("/hubs") || path.StartsWithSegments("/openapi");
}
