namespace LayerLab.Web.Security;

/// <summary>"LayerLab:Proxies": the reverse proxies whose X-Forwarded-* headers are believed.</summary>
public sealed class ProxyOptions
{
    public const string Section = "LayerLab:Proxies";

    /// <summary>IP addresses of the proxies in front of the portal (e.g. "127.0.0.1" for nginx on the same host).
    /// Empty (the default): forwarded headers are ignored.</summary>
    public IList<string> KnownProxies { get; } = [];
}
