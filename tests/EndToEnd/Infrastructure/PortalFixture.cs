namespace LayerLab.Tests.EndToEnd.Infrastructure;

/// <summary>One portal process shared by the tests of a class (for tests that only read, or that never store).</summary>
public sealed class PortalFixture : IAsyncLifetime
{
    public TempDatabase Database { get; } = new();
    public PortalProcess Portal { get; private set; } = null!;

    public async Task InitializeAsync() => Portal = await PortalProcess.StartAsync(Database.FilePath);

    public async Task DisposeAsync()
    {
        await Portal.DisposeAsync();
        Database.Dispose();
    }
}
