using System.Net.Http.Json;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Playwright;

namespace LayerLab.Tests.EndToEnd.Browser;

/// <summary>The runs list pages, filters and sorts on the server, and ticks for Compare survive paging.</summary>
[Collection(PortalCollection.Name)]
public sealed class RunsPagerTests : BrowserTestBase
{
    [Fact]
    public async Task Sixty_runs_page_at_fifty_filter_and_keep_ticks_across_pages()
    {
        // 40 "alpha" then 20 "beta" external runs: ids 1–60, newest (highest id) first on the page.
        var ids = new List<long>();
        for (var i = 1; i <= 60; i++)
        {
            var (status, body) = await Portal.Http.PostJsonAsync("/api/runs/external", new { name = i <= 40 ? $"alpha-{i:00}" : $"beta-{i - 40:00}" });
            Assert.Equal(System.Net.HttpStatusCode.Created, status);
            ids.Add(body.GetProperty("id").GetInt64());
        }
        long newest = ids[^1], oldest = ids[0];

        var page = await NewPageAsync();
        await SignInAsync(page, "/");
        await page.Locator("[data-testid=circuit][data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var rows = page.Locator("tr.run-row");
        await Assertions.Expect(rows).ToHaveCountAsync(50);
        await Assertions.Expect(page.GetByTestId("runs-range")).ToHaveTextAsync("1–50 of 60");
        await Assertions.Expect(rows.First).ToHaveClassAsync(new System.Text.RegularExpressions.Regex($"\\brun-{newest}\\b"));
        await page.Locator($"tr.run-{newest} input[type=checkbox]").CheckAsync();

        // Page 2 holds the other 10; the tick on page 1 stays counted while a run on page 2 is ticked too.
        await page.GetByTestId("runs-next-page").ClickAsync();
        await Assertions.Expect(page.GetByTestId("runs-range")).ToHaveTextAsync("51–60 of 60");
        await Assertions.Expect(rows).ToHaveCountAsync(10);
        await Assertions.Expect(page.Locator($"tr.run-{oldest}")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator($"tr.run-{newest}")).ToHaveCountAsync(0);
        await page.Locator($"tr.run-{oldest} input[type=checkbox]").CheckAsync();
        await Assertions.Expect(page.GetByTestId("compare-selected")).ToContainTextAsync("(2)");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "runs-page-2.png"), FullPage = true });

        // A search narrows the list on the server and starts again at page 1; ticks outside it are kept.
        await page.GetByPlaceholder("Search name, experiment, submitter or #id").FillAsync("beta");
        await Assertions.Expect(page.GetByTestId("runs-range")).ToHaveTextAsync("1–20 of 20");
        await Assertions.Expect(rows).ToHaveCountAsync(20);
        await Assertions.Expect(page.GetByTestId("runs-page")).ToHaveTextAsync("Page 1 of 1");
        await Assertions.Expect(page.Locator($"tr.run-{newest} input[type=checkbox]")).ToBeCheckedAsync();

        // Sorting runs in SQL too: ascending ids put the first beta run on top.
        await page.GetByTestId("sort-Id").ClickAsync();
        await Assertions.Expect(rows.First).ToHaveClassAsync(new System.Text.RegularExpressions.Regex($"\\brun-{ids[40]}\\b"));

        // A run created while the page is open and matching the filter shows up live.
        var (created, run) = await Portal.Http.PostJsonAsync("/api/runs/external", new { name = "beta-live" });
        Assert.Equal(System.Net.HttpStatusCode.Created, created);
        await Assertions.Expect(page.Locator($"tr.run-{run.GetProperty("id").GetInt64()}")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("runs-range")).ToHaveTextAsync("1–21 of 21");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "runs-filtered.png"), FullPage = true });

        // The status filter narrows on the server too: end one beta run and pick Succeeded.
        using (var ended = await Portal.Http.PutAsJsonAsync(new Uri($"/api/runs/{ids[45]}/status", UriKind.Relative), new { status = "Succeeded" }))
            Assert.Equal(System.Net.HttpStatusCode.OK, ended.StatusCode);
        await page.Locator(".mud-select", new() { HasText = "Status" }).First.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Succeeded" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("runs-range")).ToHaveTextAsync("1–1 of 1");
        await Assertions.Expect(rows.First).ToHaveClassAsync(new System.Text.RegularExpressions.Regex($"\\brun-{ids[45]}\\b"));

        await page.GetByTestId("compare-selected").ClickAsync();
        await page.WaitForURLAsync($"**/compare?runs={oldest},{newest}");
    }
}
