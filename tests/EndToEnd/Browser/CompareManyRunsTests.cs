using System.Globalization;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Playwright;

namespace LayerLab.Tests.EndToEnd.Browser;

/// <summary>The compare page overlays many runs at once (the issue asks for at least 100), every point accounted for.</summary>
[Collection(PortalCollection.Name)]
public sealed class CompareManyRunsTests : BrowserTestBase
{
    private const int Runs = 120;
    private const int PointsPerRun = 50;

    [Fact]
    public async Task A_hundred_and_twenty_runs_overlay_with_every_point()
    {
        var ids = new List<long>();
        for (var i = 0; i < Runs; i++)
        {
            var (created, run) = await Portal.Http.PostJsonAsync("/api/runs/external", new { name = $"many-{i:000}" });
            Assert.True(created == System.Net.HttpStatusCode.Created, run.ToString());
            var id = run.GetProperty("id").GetInt64();
            // A decaying curve per run, offset by its index so no two runs coincide.
            var points = Enumerable.Range(0, PointsPerRun)
                .Select(step => new { key = "loss", step, value = (1.0 + i * 0.01) * Math.Exp(-step / 10.0) }).ToArray();
            var (logged, answer) = await Portal.Http.PostJsonAsync($"/api/runs/{id}/metrics", new { points });
            Assert.True((int)logged < 300, answer.ToString());
            ids.Add(id);
        }

        var page = await NewPageAsync();
        await SignInAsync(page, $"/compare?runs={string.Join(',', ids)}");
        var chart = page.Locator("[data-testid=cmp-chart][data-state=ready]");
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-series-count", Runs.ToString(CultureInfo.InvariantCulture),
            new() { Timeout = 30_000 });
        var shown = int.Parse(await chart.GetAttributeAsync("data-point-count") ?? "0", CultureInfo.InvariantCulture);
        Assert.Equal(Runs * PointsPerRun, shown);
        // External runs are named in the legend by their own names (they have no seed to tell them apart).
        await Assertions.Expect(page.Locator(".u-legend")).ToContainTextAsync($"#{ids[^1]} many-{Runs - 1:000}");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "compare-120-runs.png"), FullPage = true });
    }
}
