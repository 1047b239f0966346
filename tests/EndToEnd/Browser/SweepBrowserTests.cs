using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Playwright;

namespace LayerLab.Tests.EndToEnd.Browser;

/// <summary>A sweep from the form: toggle a parameter to "sweep", see the run count live (and the cap refuse), queue,
/// land on the sweep page and watch its table fill in until every configuration has its seeds; then save it as a study.</summary>
[Collection(PortalCollection.Name)]
public sealed class SweepBrowserTests : BrowserTestBase
{
    [Fact]
    public async Task Researcher_submits_a_small_sweep_from_the_form_and_watches_its_table_fill_in()
    {
        var page = await NewPageAsync();
        await SignInAsync(page, "/submit/xor-prelu");
        await WaitInteractiveAsync(page);

        // A small xor-prelu: 2 values of init_scale × 2 seeds = 4 short runs.
        await FillAsync(page, "param-epochs", "30");
        await FillAsync(page, "param-trials", "5");
        await FillAsync(page, "param-lr_points", "3");
        await page.GetByTestId("sweep-toggle-init_scale").ClickAsync();
        await Expect(page.GetByTestId("sweep-editor-init_scale")).ToBeVisibleAsync();
        await FillAsync(page, "sweep-values-init_scale", "0.5, 2");
        await FillAsync(page, "param-seeds", "2");
        var count = page.GetByTestId("sweep-count");
        await Expect(count).ToHaveAttributeAsync("data-runs", "4");
        await Expect(count).ToContainTextAsync("This sweep makes 4 runs (2 configurations × 2 seeds)");

        // Over the cap: the form says how many and refuses to submit.
        await FillAsync(page, "param-seeds", "600");
        await Expect(count).ToContainTextAsync("This sweep makes 1,200 runs (2 configurations × 600 seeds); the cap is 1,000 runs per sweep.");
        await Expect(page.GetByTestId("submit-run")).ToBeDisabledAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "sweep-form-over-cap.png"), FullPage = true });
        await FillAsync(page, "param-seeds", "2");
        await Expect(count).ToHaveAttributeAsync("data-valid", "true");
        // xor-prelu can train seeds together: the form offers it, on by default (each configuration becomes one job).
        await Expect(page.GetByTestId("batch-seeds").Locator("input")).ToBeCheckedAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "sweep-form.png"), FullPage = true });

        await page.GetByTestId("submit-run").ClickAsync();
        await page.WaitForURLAsync("**/sweeps/1");
        Assert.Equal(4, await Db.ScalarAsync("SELECT COUNT(*) FROM Runs WHERE SweepId = 1"));

        // The table fills in live (no reload): record how many seeds it shows as runs finish.
        var progress = page.GetByTestId("sweep-progress");
        var seen = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            var ns = await page.GetByTestId("sweep-row").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.n)");
            var succeeded = await progress.GetAttributeAsync("data-succeeded");
            var state = $"{succeeded}:{string.Join("/", ns)}";
            if (seen.Count == 0 || seen[^1] != state) seen.Add(state);
            if (seen.Count == 2) await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "sweep-filling.png"), FullPage = true });
            if (succeeded == "4" && ns.All(n => n == "2")) break;
            await Task.Delay(200);
        }
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "sweep-page.png"), FullPage = true });
        Assert.True(seen[^1] == "4:2/2", $"states seen {string.Join(" → ", seen)}\nconsole:\n{string.Join("\n", Console)}\nportal:\n{Portal.Log}");
        await Expect(progress).ToHaveAttributeAsync("data-status", "Succeeded");
        await Expect(page.Locator("[data-testid=sweep-row][data-best=true]")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("sweep-parallel")).ToHaveAttributeAsync("data-lines", "2");
        await Expect(page.Locator("[data-testid=sweep-parallel] polyline.pc-best")).ToHaveCountAsync(1);

        // Each run links back to its sweep.
        await page.GetByTestId("sweep-row").First.GetByText("#1", new() { Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/runs/1");
        await Expect(page.GetByTestId("run-sweep")).ToHaveAttributeAsync("href", "/sweeps/1");

        // The list page links it.
        await page.GotoAsync(new Uri(Portal.BaseAddress, "/sweeps").ToString());
        await Expect(page.GetByTestId("sweep-list-row")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("sweep-list-row")).ToContainTextAsync("Succeeded");

        // Saved as a study with the researcher's own figure: x = init_scale (the only numeric swept parameter,
        // preselected), y = PReLU's success rate picked from the metrics, and the study page draws it without a verdict.
        await page.GotoAsync(new Uri(Portal.BaseAddress, "/sweeps/1").ToString());
        await WaitInteractiveAsync(page);
        await page.GetByTestId("save-study-y").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").GetByText("success/prelu", new() { Exact = true }).ClickAsync();
        // MudSelect stores the pick only after a JS round trip; a Save click sent before it lands saved without a y
        // (a 400 on the form, no navigation: the 30 s wait below flaked under load). Wait until the server has it.
        await Expect(page.GetByTestId("save-study")).ToHaveAttributeAsync("data-y", "success/prelu");
        await page.GetByTestId("save-study-submit").ClickAsync();
        await page.WaitForURLAsync("**/studies/1");
        await Expect(page.GetByTestId("study-verdict")).ToHaveAttributeAsync("data-outcome", "None");
        await Expect(page.Locator("#study-figure svg")).ToContainTextAsync("init_scale");
        await Expect(page.Locator("#study-figure svg")).ToContainTextAsync("success/prelu");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "sweep-saved-as-study.png"), FullPage = true });
        Assert.Equal(1, await Db.ScalarAsync("SELECT COUNT(*) FROM Studies WHERE SweepId = 1 AND StudyKey = 'saved-sweep'"));
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    private static Task WaitInteractiveAsync(IPage page) =>
        page.Locator("[data-testid=circuit][data-interactive=true]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    private static async Task FillAsync(IPage page, string inputId, string value)
    {
        var input = page.Locator($"#{inputId}");
        await input.FillAsync(value);
        await input.BlurAsync();
    }
}
