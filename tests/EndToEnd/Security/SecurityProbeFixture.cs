using LayerLab.Tests.EndToEnd.Infrastructure;

namespace LayerLab.Tests.EndToEnd.Security;

/// <summary>
/// One real portal for the probes of issue 13, with a viewer, a researcher and a researcher whose account the tests
/// lock. The sign-in rate limit is raised so lockout (per account) can be told apart from the per-address limit.
/// </summary>
public sealed class SecurityProbeFixture : IAsyncLifetime
{
    public const string Password = "user-password-1";
    public const string Viewer = "viewer@lab.test";
    public const string Researcher = "researcher@lab.test";
    public const string Lockable = "lockable@lab.test";
    public const string Demoted = "demoted@lab.test";

    public TempDatabase Database { get; } = new();
    public PortalProcess Portal { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Portal = await PortalProcess.StartAsync(Database.FilePath, new Dictionary<string, string>
        {
            ["LayerLab__Auth__SignInAttemptsPerMinute"] = "1000",
            ["LayerLab__Auth__RevalidateSeconds"] = "0", // check the cookie on every request: a role change shows at once
        });
        await Portal.Http.CreateUserAsync(Viewer, Password, "Viewer");
        await Portal.Http.CreateUserAsync(Researcher, Password, "Researcher");
        await Portal.Http.CreateUserAsync(Lockable, Password, "Researcher");
        await Portal.Http.CreateUserAsync(Demoted, Password, "Researcher");
    }

    public async Task DisposeAsync()
    {
        await Portal.DisposeAsync();
        Database.Dispose();
    }

    public HttpClient Bearer(string token)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Portal.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
