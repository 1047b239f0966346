using System.Net.Http.Json;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Playwright;

namespace LayerLab.Tests.EndToEnd.Browser;

/// <summary>An ICL run's exact references (GD*, OLS, zero predictor) reach its page: dashed chart lines and a table.</summary>
[Collection(PortalCollection.Name)]
public sealed class ReferenceLinesTests : IAsyncLifetime
{
    private readonly TempDatabase _db = new();
    private PortalProcess _portal = null!;
    private ChromiumSession _chromium = null!;

    public async Task InitializeAsync()
    {
        _portal = await PortalProcess.StartAsync(_db.FilePath);
        _chromium = await ChromiumSession.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _chromium.DisposeAsync();
        await _portal.DisposeAsync();
        _db.Dispose();
    }

    [Fact]
    public async Task Finished_icl_linreg_run_shows_its_references_as_chart_lines_and_a_verdict()
    {
        using var response = await _portal.Http.PostAsJsonAsync(new Uri("/api/runs", UriKind.Relative), new
        {
            experiment = "icl-linreg",
            parameters = new { steps = 300, batch = 128, test_prompts = 256, ref_prompts = 1000 },
            seed = 2,
        });
        var id = (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetInt64();
        var run = await _portal.Http.WaitForStatusAsync(id, TimeSpan.FromSeconds(120), LabApi.FinishedStatuses);
        Assert.True(run.GetProperty("status").GetString() == "Succeeded", $"{run}\n{_portal.Log}");

        var context = await _chromium.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(_portal.BaseAddress, $"/runs/{id}").ToString());
        await page.Locator("#email").FillAsync(PortalProcess.AdminEmail);
        await page.Locator("#password").FillAsync(PortalProcess.AdminPassword);
        await page.GetByTestId("signin-submit").ClickAsync();
        await page.WaitForURLAsync($"**/runs/{id}");

        await Assertions.Expect(page.GetByTestId("run-verdict")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=run-chart][data-state=ready]")).ToBeVisibleAsync();
        // Reference series are labelled "(ref)" in the chart legend; the exact-references table lists the same values.
        var legend = await page.GetByTestId("run-chart").InnerTextAsync();
        Assert.Contains("(ref)", legend, StringComparison.Ordinal);
        Assert.Contains("GD", await page.GetByTestId("run-references").InnerTextAsync(), StringComparison.Ordinal);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "icl-linreg-run.png"), FullPage = true });
    }
}
