using System.Net;
using LayerLab.Tests.EndToEnd.Infrastructure;

namespace LayerLab.Tests.EndToEnd.Security;

/// <summary>X-Forwarded-* believed only from configured proxies; security headers on every answer.</summary>
[Collection(PortalCollection.Name)]
public sealed class ProxyHeaderTests
{
    [Fact]
    public async Task Without_a_configured_proxy_a_forged_forwarded_address_does_not_escape_the_sign_in_limit()
    {
        using var db = new TempDatabase();
        await using var portal = await PortalProcess.StartAsync(db.FilePath);
        var statuses = await SignInsFromAddressesAsync(portal, 11);
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
    }

    [Fact]
    public async Task Behind_a_configured_proxy_the_client_address_and_https_are_believed()
    {
        using var db = new TempDatabase();
        await using var portal = await PortalProcess.StartAsync(db.FilePath, new Dictionary<string, string>
        {
            ["LayerLab__Proxies__KnownProxies__0"] = "127.0.0.1",
        });
        // Each forwarded client has its own sign-in budget.
        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, await SignInsFromAddressesAsync(portal, 11));

        // Forwarded https makes the sign-in cookie Secure.
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = portal.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/account/signin");
        request.Headers.Add("X-Forwarded-Proto", "https");
        using var response = await client.SendAsync(request);
        var cookies = response.Headers.TryGetValues("Set-Cookie", out var values) ? values.ToList() : [];
        Assert.NotEmpty(cookies); // the antiforgery cookie
        Assert.All(cookies, c => Assert.Contains("secure", c, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Pages_and_api_answers_carry_the_security_headers()
    {
        using var db = new TempDatabase();
        await using var portal = await PortalProcess.StartAsync(db.FilePath);
        using var page = await portal.Anonymous.GetAsync(new Uri("/account/signin", UriKind.Relative));
        Assert.Contains("frame-ancestors 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("img-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        using var api = await portal.Http.GetAsync(new Uri("/api/runs", UriKind.Relative));
        Assert.Equal("nosniff", api.Headers.GetValues("X-Content-Type-Options").Single());
    }

    private static async Task<List<HttpStatusCode>> SignInsFromAddressesAsync(PortalProcess portal, int attempts)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < attempts; i++)
        {
            using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = portal.BaseAddress };
            client.DefaultRequestHeaders.Add("X-Forwarded-For", $"203.0.113.{i + 1}");
            using var content = new FormUrlEncodedContent(new Dictionary<string, string> { ["email"] = "x@lab.test", ["password"] = "wrong" });
            // No antiforgery token: the answer is 400 when the limiter lets it through, 429 when it does not.
            using var response = await client.PostAsync(new Uri("/account/signin", UriKind.Relative), content);
            statuses.Add(response.StatusCode);
        }
        return statuses;
    }
}
