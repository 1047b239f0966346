using System.Globalization;
using System.Net;
using System.Text;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Playwright;

namespace LayerLab.Tests.EndToEnd.Browser;

/// <summary>Compare shows several metrics at once (#20): one chart per chosen metric, every chosen run in each.</summary>
[Collection(PortalCollection.Name)]
public sealed class CompareGridTests : BrowserTestBase
{
    [Fact]
    public async Task Compare_draws_one_chart_per_chosen_metric_with_every_run_in_each()
    {
        // Point counts differ per metric, so a chart that loaded another metric's history shows it.
        var steps = new Dictionary<string, int> { ["loss/train"] = 40, ["loss/test"] = 20, ["acc"] = 10 };
        var a = await ExternalRunAsync("alpha", steps);
        var b = await ExternalRunAsync("beta", steps);

        var page = await NewPageAsync();
        await SignInAsync(page, $"/compare?runs={a},{b}&metric=loss/train&metrics=loss/test,acc");
        var charts = page.GetByTestId("cmp-grid").GetByTestId("cmp-chart");
        await Assertions.Expect(charts).ToHaveCountAsync(3);
        string[] expected = ["loss/train", "loss/test", "acc"];
        for (var i = 0; i < 3; i++)
        {
            var chart = charts.Nth(i);
            await Assertions.Expect(chart).ToHaveAttributeAsync("data-state", "ready");
            await Assertions.Expect(chart).ToHaveAttributeAsync("data-metric", expected[i]);
            await Assertions.Expect(chart).ToHaveAttributeAsync("data-series-count", "2");
            await Assertions.Expect(chart).ToHaveAttributeAsync("data-point-count", (2 * steps[expected[i]]).ToString(CultureInfo.InvariantCulture));
            var legend = await chart.Locator(".u-legend").InnerTextAsync();
            Assert.Contains("alpha", legend, StringComparison.Ordinal);
            Assert.Contains("beta", legend, StringComparison.Ordinal);
        }
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "compare-grid.png"), FullPage = true });

        // A whole metric group at once.
        await page.Locator("[data-testid=cmp-group-button][data-group=loss]").ClickAsync();
        await Assertions.Expect(charts).ToHaveCountAsync(2);
        // In the portal's key order (sorted), each with its own points.
        await Assertions.Expect(charts.Nth(0)).ToHaveAttributeAsync("data-metric", "loss/test");
        await Assertions.Expect(charts.Nth(0)).ToHaveAttributeAsync("data-point-count", "40");
        await Assertions.Expect(charts.Nth(1)).ToHaveAttributeAsync("data-metric", "loss/train");
        await Assertions.Expect(charts.Nth(1)).ToHaveAttributeAsync("data-point-count", "80");
    }

    private async Task<long> ExternalRunAsync(string name, Dictionary<string, int> steps)
    {
        var (created, run) = await Portal.Http.PostJsonAsync("/api/runs/external", new { name });
        Assert.True(created == HttpStatusCode.Created, $"{created} {run}");
        var id = run.GetProperty("id").GetInt64();
        var points = string.Join(',', steps.SelectMany(m => Enumerable.Range(0, m.Value)
            .Select(s => $"{{\"key\":\"{m.Key}\",\"step\":{s},\"value\":{(1.0 / (s + 1)).ToString("R", CultureInfo.InvariantCulture)}}}")));
        using var content = new StringContent($"{{\"points\":[{points}]}}", Encoding.UTF8, "application/json");
        using var response = await Portal.Http.PostAsync(new Uri($"/api/runs/{id}/metrics", UriKind.Relative), content);
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return id;
    }
}
