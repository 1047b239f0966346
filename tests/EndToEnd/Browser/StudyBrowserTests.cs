using System.Net;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Playwright;

namespace LayerLab.Tests.EndToEnd.Browser;

/// <summary>Studies in the browser: the Experiments page offers each study with its run count and time before
/// queueing; a study's page fills in live (progress, figure with bands, verdict) and a reviewer approves it.</summary>
[Collection(PortalCollection.Name)]
public sealed class StudyBrowserTests : BrowserTestBase
{
    [Fact]
    public async Task Study_page_fills_in_live_to_a_verdict_and_a_figure_with_bands()
    {
        var page = await NewPageAsync();
        await SignInAsync(page, "/experiments");
        await WaitInteractiveAsync(page);
        var run = page.GetByTestId("run-study-success-vs-lr");
        await Expect(run).ToContainTextAsync("Run study (20 runs, ~");
        await Expect(page.GetByTestId("study-card-markov-icl-gap-vs-order")).ToContainTextAsync("12 configurations × 2 seeds");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "study-cards.png"), FullPage = true });

        // A small xor-prelu study over the API (seconds, not the default minute), then its page.
        var (status, created) = await Portal.Http.PostJsonAsync("/api/studies", new
        {
            experiment = "xor-prelu",
            study = "success-vs-lr",
            overrides = new Dictionary<string, object> { ["trials"] = 8, ["lr_points"] = 5, ["epochs"] = 200, ["seeds"] = 3 },
        });
        Assert.True(status == HttpStatusCode.Created, created.ToString());
        var id = created.GetProperty("id").GetInt64();
        await page.GotoAsync(new Uri(Portal.BaseAddress, $"/studies/{id}").ToString());
        await WaitInteractiveAsync(page);

        // Live: the page reaches Finished without a reload.
        await Expect(page.GetByTestId("study-progress")).ToHaveAttributeAsync("data-status", "Finished", new() { Timeout = 180_000 });
        var verdict = page.GetByTestId("study-verdict");
        Assert.Contains(await verdict.GetAttributeAsync("data-outcome"), new[] { "Reproduced", "NotReproduced", "Inconclusive" });
        await Expect(verdict).ToContainTextAsync("{0,1} · init 1");
        var figure = page.Locator("#study-figure svg");
        Assert.Equal(12 * 5, await figure.Locator("circle").CountAsync()); // 12 series × 5 learning rates
        Assert.True(await figure.Locator("polygon").CountAsync() > 0, "no 95% bands drawn");
        Assert.Equal(4, await page.GetByTestId("study-row").CountAsync());

        await page.GetByTestId("study-approve").ClickAsync();
        await Expect(page.GetByTestId("study-review")).ToHaveTextAsync("Approved");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "study-page.png"), FullPage = true });
        Assert.DoesNotContain(Console, line => line.StartsWith("error", StringComparison.Ordinal));
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    private static Task WaitInteractiveAsync(IPage page) =>
        page.Locator("[data-testid=circuit][data-interactive=true]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
}
