using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace LayerLab.Web.Security;

/// <summary>
/// X-Forwarded-For / -Proto are honoured only from the proxies listed in LayerLab:Proxies:KnownProxies. Then the
/// client's real address drives the per-address sign-in limit and https makes the cookies Secure; from anyone else
/// the headers are ignored, so a client cannot pick a fresh address for each guess.
/// </summary>
public static class ProxyHeaders
{
    public static IApplicationBuilder UseKnownProxies(this IApplicationBuilder app, ProxyOptions proxies)
    {
        ArgumentNullException.ThrowIfNull(proxies);
        if (proxies.KnownProxies.Count == 0) return app;
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost,
            ForwardLimit = 1,
        };
        options.KnownIPNetworks.Clear();
        options.KnownProxies.Clear();
        foreach (var proxy in proxies.KnownProxies) options.KnownProxies.Add(IPAddress.Parse(proxy));
        return app.UseForwardedHeaders(options);
    }
}
