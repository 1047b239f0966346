using System.Globalization;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Playwright;

namespace LayerLab.Tests.EndToEnd.Browser;

[Collection(PortalCollection.Name)]
public sealed class ComparePageTests : BrowserTestBase
{
    [Fact]
    public async Task Ticked_runs_open_an_overlay_a_parameter_diff_and_a_seed_aware_verdict()
    {
        var ids = new List<long>();
        foreach (var (optimizer, seed) in new[] { ("adam", 1L), ("adam", 2L), ("sgd", 3L), ("sgd", 4L) })
            ids.Add(await Portal.Http.SubmitAsync(new { trials = 20, epochs = 100, lr_points = 4, optimizer }, seed));
        foreach (var id in ids) await Portal.Http.WaitForStatusAsync(id, TimeSpan.FromSeconds(90), "Succeeded");

        var page = await NewPageAsync();
        await SignInAsync(page, "/");
        await page.Locator("[data-testid=circuit][data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        foreach (var id in ids) await page.Locator($"tr.run-{id} input[type=checkbox]").CheckAsync();
        await page.GetByTestId("compare-selected").ClickAsync();
        await page.WaitForURLAsync("**/compare?runs=*");

        var chart = page.Locator("[data-testid=cmp-chart][data-state=ready]");
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-series-count", "4");
        var points = int.Parse(await chart.GetAttributeAsync("data-point-count") ?? "0", CultureInfo.InvariantCulture);
        Assert.True(points >= 4 * 20, $"only {points} points on the overlay");

        // Only the parameter that differs is a column; the verdict compares the two optimizers over their seeds.
        var header = await page.GetByTestId("cmp-diff").Locator("thead").InnerTextAsync();
        Assert.Contains("optimizer", header, StringComparison.Ordinal);
        Assert.DoesNotContain("trials", header, StringComparison.Ordinal);
        await Assertions.Expect(page.GetByTestId("cmp-verdict")).ToContainTextAsync("2 vs 2 seeds");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "compare.png"), FullPage = true });

        // Points trained in-process carry the time the metric writer received them (the compare page's time axes).
        var series = (await Portal.Http.GetJsonAsync($"/api/compare/metrics?runs={ids[0]}&key=loss%2Fprelu")).GetProperty("runs")[0];
        var run = await Portal.Http.GetJsonAsync($"/api/runs/{ids[0]}");
        var started = DateTimeOffset.Parse(run.GetProperty("startedAt").GetString()!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        var finished = DateTimeOffset.Parse(run.GetProperty("finishedAt").GetString()!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        var times = series.GetProperty("times").EnumerateArray().Select(t => t.GetInt64()).ToList();
        Assert.NotEmpty(times);
        Assert.All(times, t => Assert.InRange(t, started, finished));

        // The same comparison as CSV: one line per run plus the header.
        var csv = await Portal.Http.GetStringAsync(new Uri($"/api/compare.csv?runs={string.Join(',', ids)}&key=loss%2Fprelu", UriKind.Relative));
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Length);
        Assert.StartsWith("run,experiment,seed,", lines[0], StringComparison.Ordinal);
    }
}
