using LayerLab.Tests.EndToEnd.Infrastructure;

namespace LayerLab.Tests.EndToEnd.Queue;

/// <summary>One real portal (one worker, the default) with two researchers, Alice and Bob, signed in over HTTP.</summary>
public sealed class QueuePortalFixture : IAsyncLifetime
{
    public const string Password = "queue-password-1";
    public TempDatabase Database { get; } = new();
    public PortalProcess Portal { get; private set; } = null!;
    public HttpClient Alice { get; private set; } = null!;
    public HttpClient Bob { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Portal = await PortalProcess.StartAsync(Database.FilePath, new Dictionary<string, string> { ["LayerLab__Worker__Count"] = "1" });
        await Portal.Http.CreateUserAsync("alice@lab.test", Password, "Researcher");
        await Portal.Http.CreateUserAsync("bob@lab.test", Password, "Researcher");
        Alice = await Portal.SignInAsync("alice@lab.test", Password);
        Bob = await Portal.SignInAsync("bob@lab.test", Password);
    }

    public async Task DisposeAsync()
    {
        Alice?.Dispose();
        Bob?.Dispose();
        await Portal.DisposeAsync();
        Database.Dispose();
    }
}
