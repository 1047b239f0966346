using Microsoft.AspNetCore.Identity;

namespace LayerLab.Web.Security;

/// <summary>
/// CSRF defence for everything a browser's cookie authenticates: a state-changing request (POST, PUT, PATCH, DELETE)
/// signed in by cookie must come from the portal's own pages. Browsers say where a request comes from in
/// <c>Sec-Fetch-Site</c> (modern ones) and <c>Origin</c> (every cross-origin write), and a page cannot forge either.
/// A request with neither is not from a browser page, so no cookie was sent on anyone's behalf. Token-authenticated
/// calls are not affected: a token is never sent by a browser on its own.
/// </summary>
public static class SameOriginGuard
{
    public static IApplicationBuilder UseSameOriginGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (IsUnsafe(context.Request.Method) &&
            context.User.Identity is { IsAuthenticated: true, AuthenticationType: var type } && type == IdentityConstants.ApplicationScheme &&
            !IsSameOrigin(context.Request))
        {
            await TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden,
                title: "Cross-site request refused: a signed-in browser may change things only from the portal's own pages.").ExecuteAsync(context);
            return;
        }
        await next(context);
    });

    public static bool IsSameOrigin(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        if (fetchSite.Length > 0) return fetchSite is "same-origin" or "none";
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0) return true;
        return Uri.TryCreate(origin, UriKind.Absolute, out var uri) &&
               string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsUnsafe(string method) =>
        !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method));
}
