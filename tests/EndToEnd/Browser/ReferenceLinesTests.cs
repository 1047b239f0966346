using System.Net.Http.Json;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Playwright;

namespace LayerLab.Tests.EndToEnd.Browser;

/// <summary>An ICL run's exact references (GD*, OLS, zero predictor) reach its page: dashed chart lines and a table.</summary>
[Collection(PortalCollection.Name)]
public sealed class ReferenceLinesTests : BrowserTestBase
{
    [Fact]
    public async Task Finished_icl_linreg_run_shows_its_references_as_chart_lines_and_a_verdict()
    {
        using var response = await Portal.Http.PostAsJsonAsync(new Uri("/api/runs", UriKind.Relative), new
        {
            experiment = "icl-linreg",
            parameters = new { steps = 300, batch = 128, test_prompts = 256, ref_prompts = 1000 },
            seed = 2,
        });
        var id = (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetInt64();
        var run = await Portal.Http.WaitForStatusAsync(id, TimeSpan.FromSeconds(120), LabApi.FinishedStatuses);
        Assert.True(run.GetProperty("status").GetString() == "Succeeded", $"{run}\n{Portal.Log}");

        var page = await NewPageAsync();
        await SignInAsync(page, $"/runs/{id}");

        await Assertions.Expect(page.GetByTestId("run-verdict")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=run-chart][data-state=ready]")).ToBeVisibleAsync();
        // Reference series are labelled "(ref)" in the chart legend; the exact-references table lists the same values.
        var legend = await page.GetByTestId("run-chart").InnerTextAsync();
        Assert.Contains("(ref)", legend, StringComparison.Ordinal);
        Assert.Contains("GD", await page.GetByTestId("run-references").InnerTextAsync(), StringComparison.Ordinal);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "icl-linreg-run.png"), FullPage = true });
    }
}
