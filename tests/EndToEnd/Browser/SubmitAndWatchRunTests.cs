using System.Globalization;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Playwright;

namespace LayerLab.Tests.EndToEnd.Browser;

/// <summary>A person's path: catalog → form → queue → watch the chart grow live → Succeeded.</summary>
[Collection(PortalCollection.Name)]
public sealed class SubmitAndWatchRunTests : BrowserTestBase
{
    [Fact]
    public async Task Researcher_submits_xor_prelu_in_the_browser_and_watches_the_chart_grow_until_Succeeded()
    {
        var page = await NewPageAsync();
        await SignInAsync(page, "/experiments");
        await WaitInteractiveAsync(page);
        await page.GetByTestId("experiment-xor-prelu").GetByText("Configure run").ClickAsync();
        await page.WaitForURLAsync("**/submit/xor-prelu");
        await WaitInteractiveAsync(page);

        // Long enough (a few seconds) that the chart visibly grows while we watch.
        await FillAsync(page, "param-epochs", "4000");
        await FillAsync(page, "param-seed", "11");
        await page.GetByTestId("submit-run").ClickAsync();
        await page.WaitForURLAsync("**/runs/1");

        var chart = page.GetByTestId("run-chart");
        var counts = new List<int>();
        var status = "";
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            counts.Add(await PointCountAsync(chart));
            status = await page.GetByTestId("run-status").First.GetAttributeAsync("data-status") ?? "";
            if (status is "Succeeded" or "Failed" or "Cancelled") break;
            await Task.Delay(250);
        }
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "run-final.png"), FullPage = true });
        Assert.True(status == "Succeeded", $"status {status}; point counts {string.Join(",", counts)}\nconsole:\n{string.Join("\n", Console)}\nportal:\n{Portal.Log}");
        await Expect(page.GetByTestId("run-summary")).ToBeVisibleAsync();

        // Points arrived in several steps while training, not all at once at the end.
        var distinctCounts = counts.Where(c => c > 0).Distinct().Count();
        Assert.True(distinctCounts >= 3, $"chart grew only through {distinctCounts} sizes: {string.Join(",", counts)}");

        // And the live chart ends with every stored point (nothing lost on the way).
        var stored = (await Db.PointsAsync(1)).Count;
        await Expect(chart).ToHaveAttributeAsync("data-point-count", stored.ToString(CultureInfo.InvariantCulture));

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "run-succeeded.png"), FullPage = true });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "run-page.png") });
    }

    [Fact]
    public async Task Out_of_range_values_get_field_messages_and_nothing_is_queued()
    {
        var page = await NewPageAsync();
        await SignInAsync(page, "/submit/xor-prelu");
        await WaitInteractiveAsync(page);
        await FillAsync(page, "param-epochs", "-3");
        await FillAsync(page, "param-lr_max", "abc");
        await page.GetByTestId("submit-run").ClickAsync();

        await Expect(page.GetByTestId("submit-errors")).ToBeVisibleAsync();
        await Expect(page.GetByText("epochs must be between")).ToBeVisibleAsync();
        await Expect(page.GetByText("lr_max must be a finite number.")).ToBeVisibleAsync();
        Assert.EndsWith("/submit/xor-prelu", page.Url, StringComparison.Ordinal);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "submit-errors.png"), FullPage = true });
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM Runs"));
    }

    private static Task WaitInteractiveAsync(IPage page) =>
        page.Locator("[data-testid=circuit][data-interactive=true]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    private static async Task FillAsync(IPage page, string inputId, string value)
    {
        var input = page.Locator($"#{inputId}");
        await input.FillAsync(value);
        await input.BlurAsync();
    }

    private static async Task<int> PointCountAsync(ILocator chart) =>
        int.TryParse(await chart.GetAttributeAsync("data-point-count"), CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);
}
