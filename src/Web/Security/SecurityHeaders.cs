namespace LayerLab.Web.Security;

/// <summary>
/// Headers a browser needs to keep the portal's pages safe: no framing by other sites (clickjacking), no MIME
/// sniffing of downloads (an artifact uploaded as text must not run as script), and a content security policy that
/// loads scripts, styles, images and connections from the portal only — so even markup that slipped past the
/// comment sanitizer could not pull in a foreign script or report a reader to another host.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>'unsafe-inline' for scripts: Blazor's import map is an inline script. Styles: MudBlazor sets inline styles.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        "font-src 'self' data:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            // The Hangfire dashboard brings its own inline scripts; it is admin-only and keeps its own rules.
            if (!context.Request.Path.StartsWithSegments("/hangfire"))
            {
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XFrameOptions = "DENY";
            }
            headers["Referrer-Policy"] = "same-origin";
            return Task.CompletedTask;
        });
        await next(context);
    });
}
