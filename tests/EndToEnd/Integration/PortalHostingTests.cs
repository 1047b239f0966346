using System.Net;
using LayerLab.Tests.EndToEnd.Infrastructure;

namespace LayerLab.Tests.EndToEnd.Integration;

[Collection(PortalCollection.Name)]
public sealed class PortalHostingTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    private PortalProcess _portal => fixture.Portal;

    [Fact]
    public async Task Static_assets_come_from_the_repository_root_wwwroot()
    {
        var served = await _portal.Anonymous.GetStringAsync(new Uri("/css/app.css", UriKind.Relative));
        var onDisk = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "wwwroot", "css", "app.css"));
        Assert.Equal(onDisk, served);
        Assert.False(Directory.Exists(Path.Combine(RepoPaths.Root, "src", "Web", "wwwroot")), "src/Web must not have its own wwwroot");
    }

    [Theory]
    [InlineData("/_framework/blazor.web.js")]
    [InlineData("/_content/MudBlazor/MudBlazor.min.css")]
    [InlineData("/lib/uPlot.iife.min.js")]
    [InlineData("/lib/signalr.min.js")]
    [InlineData("/js/run-chart.js")]
    public async Task Framework_library_and_chart_assets_are_served(string path)
    {
        using var response = await _portal.Anonymous.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 100);
    }

    /// <summary>
    /// The chart modules import each other by relative path ('./chart-data.js'); one that is not served breaks every
    /// chart silently (the import fails in the browser). Every module named in an import of wwwroot/js must come back
    /// as it is on disk.
    /// </summary>
    [Fact]
    public async Task Every_module_that_a_script_module_imports_is_served_as_on_disk()
    {
        var folder = Path.Combine(RepoPaths.Root, "wwwroot", "js");
        var imported = Directory.GetFiles(folder, "*.js")
            .SelectMany(f => System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(f), @"from '\./([\w.-]+\.js)'").Select(m => m.Groups[1].Value))
            .Distinct().Order().ToList();
        Assert.Contains("chart-data.js", imported);
        foreach (var module in imported)
        {
            var served = await _portal.Anonymous.GetStringAsync(new Uri("/js/" + module, UriKind.Relative));
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(folder, module)), served);
        }
    }

    [Fact]
    public async Task Root_appsettings_is_the_one_the_portal_reads()
    {
        using var settings = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "appsettings.json")));
        var expected = settings.RootElement.GetProperty("LayerLab").GetProperty("InstanceName").GetString();
        var info = await _portal.Http.GetJsonAsync("/api/info");
        Assert.Equal(expected, info.GetProperty("instanceName").GetString());
        Assert.False(File.Exists(Path.Combine(RepoPaths.Root, "src", "Web", "appsettings.json")), "src/Web must not have its own appsettings.json");
    }
}
