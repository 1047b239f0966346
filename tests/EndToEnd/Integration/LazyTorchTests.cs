using LayerLab.Tests.EndToEnd.Infrastructure;

namespace LayerLab.Tests.EndToEnd.Integration;

/// <summary>
/// libtorch (hundreds of MB of native code) is loaded by the first training run, not at portal start: the queue
/// choice, the experiment catalog and the pages must not touch TorchSharp's native side.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class LazyTorchTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    [Fact]
    public async Task Libtorch_is_loaded_by_the_first_run_not_at_start()
    {
        var portal = fixture.Portal;
        // What a person does first: the home page, the catalog (every experiment's metrics and parameters), the runs.
        (await portal.Http.GetAsync(new Uri("/", UriKind.Relative))).EnsureSuccessStatusCode();
        (await portal.Http.GetAsync(new Uri("/api/experiments", UriKind.Relative))).EnsureSuccessStatusCode();
        (await portal.Http.GetAsync(new Uri("/api/runs", UriKind.Relative))).EnsureSuccessStatusCode();
        Assert.False(portal.HasLoadedNative("libtorch"), "libtorch was loaded before any run trained");

        var run = await portal.Http.SubmitAsync(new { epochs = 1, trials = 1, lr_points = 1 });
        await portal.Http.WaitForStatusAsync(run, TimeSpan.FromMinutes(2), "Succeeded");
        Assert.True(portal.HasLoadedNative("libtorch"), "the run trained without libtorch?");
    }
}
