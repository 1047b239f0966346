using System.Net;
using LayerLab.Tests.EndToEnd.Infrastructure;

namespace LayerLab.Tests.EndToEnd.Security;

[Collection(PortalCollection.Name)]
public sealed class SessionPersistenceTests : IDisposable
{
    private readonly TempDatabase _db = new();

    [Fact]
    public async Task A_restart_keeps_people_signed_in()
    {
        var cookies = new CookieContainer();
        await using (var first = await PortalProcess.StartAsync(_db.FilePath))
        {
            using var session = await PortalSession.SignInAsync(first.BaseAddress, PortalProcess.AdminEmail, PortalProcess.AdminPassword, cookies);
            using var before = await session.GetAsync(new Uri("/api/runs", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }
        // Same database folder, so the same data-protection keys: the old cookie still opens the API.
        await using var second = await PortalProcess.StartAsync(_db.FilePath);
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = second.BaseAddress };
        // The cookie was issued for the first port; present it to the second as a browser would after a restart.
        client.DefaultRequestHeaders.Add("Cookie", string.Join("; ", cookies.GetAllCookies().Select(c => $"{c.Name}={c.Value}")));
        using var after = await client.GetAsync(new Uri("/api/runs", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    public void Dispose() => _db.Dispose();
}
