using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Playwright;

namespace LayerLab.Tests.EndToEnd.Browser;

/// <summary>
/// The run page draws one chart per metric group (the key's prefix before "/"), each with only its own reference
/// lines, instead of every metric on one axis (#20).
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class RunPanelsTests : BrowserTestBase
{
    [Fact]
    public async Task Finished_xor_prelu_run_has_one_panel_per_metric_group_with_its_own_references()
    {
        var run = await Portal.Http.SubmitAsync(new { trials = 5, epochs = 30, lr_points = 3 }, seed: 3);
        var finished = await Portal.Http.WaitForStatusAsync(run, TimeSpan.FromMinutes(2), LabApi.FinishedStatuses);
        Assert.True(finished.GetProperty("status").GetString() == "Succeeded", $"{finished}\n{Portal.Log}");

        // The groups the stored metrics fall into, from the same API the page reads.
        var history = await Portal.Http.GetFromJsonAsync<JsonElement>(new Uri($"/api/runs/{run}/metrics", UriKind.Relative));
        var keys = history.GetProperty("series").EnumerateObject().Select(p => p.Name).ToList();
        var groups = keys.Select(k => k.Contains('/', StringComparison.Ordinal) ? k[..k.IndexOf('/', StringComparison.Ordinal)] : k)
            .Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.True(groups.Count >= 2, $"xor-prelu logs at least loss/* and success/*: {string.Join(", ", keys)}");

        var page = await NewPageAsync();
        await SignInAsync(page, $"/runs/{run}");
        var grid = page.GetByTestId("run-chart");
        await Assertions.Expect(grid).ToHaveAttributeAsync("data-state", "ready");
        await Assertions.Expect(grid).ToHaveAttributeAsync("data-panel-count", groups.Count.ToString(CultureInfo.InvariantCulture));

        var panels = page.GetByTestId("run-panel");
        Assert.Equal(groups.Count, await panels.CountAsync());
        var drawn = new List<string>();
        for (var i = 0; i < groups.Count; i++)
        {
            var panel = panels.Nth(i);
            var group = await panel.GetAttributeAsync("data-group") ?? "";
            drawn.Add(group);
            // Its own heading, its own plot, and in its legend only its own metrics (and their references).
            Assert.Equal(group, (await panel.GetByRole(AriaRole.Heading).InnerTextAsync()).Trim());
            await Assertions.Expect(panel.Locator("canvas")).ToHaveCountAsync(1);
            var legend = await panel.Locator(".u-legend").InnerTextAsync();
            foreach (var key in keys)
                Assert.Equal(key.StartsWith(group + "/", StringComparison.Ordinal) || key == group, legend.Contains(key, StringComparison.Ordinal));
        }
        Assert.Equal(groups, drawn.Order(StringComparer.Ordinal).ToList());

        // Every stored point is held by exactly one panel.
        var stored = keys.Sum(k => history.GetProperty("series").GetProperty(k).GetProperty("steps").GetArrayLength());
        await Assertions.Expect(grid).ToHaveAttributeAsync("data-point-count", stored.ToString(CultureInfo.InvariantCulture));
        // The success panel carries the success references, the loss panel the loss ones.
        Assert.Contains("(ref)", await page.Locator("[data-testid=run-panel][data-group=success] .u-legend").InnerTextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("success/", await page.Locator("[data-testid=run-panel][data-group=loss] .u-legend").InnerTextAsync(), StringComparison.Ordinal);

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "run-panels.png"), FullPage = true });
    }
}
