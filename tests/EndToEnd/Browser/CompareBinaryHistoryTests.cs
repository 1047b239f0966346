using System.Globalization;
using System.Net;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Playwright;

namespace LayerLab.Tests.EndToEnd.Browser;

/// <summary>
/// The compare page loads history in the binary form (typed arrays, times only for the time axes) and still holds
/// every point and draws every extreme: runs long enough to be downsampled, one of them with a spike up and, on the
/// next step, one down (a downsampler that kept only each bucket's maximum, or only its minimum, loses one).
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class CompareBinaryHistoryTests : BrowserTestBase
{
    private const int Runs = 3;
    private const int PointsPerRun = 20_000; // ~15 points per pixel: min/max downsampling is what gets drawn
    private const double Spike = 1000;
    private const double DownSpike = -1000; // the step after the spike: one bucket holds both extremes

    [Fact]
    public async Task Binary_history_holds_every_point_and_the_spikes_up_and_down_survive_downsampling_on_every_x_axis_and_zoomed()
    {
        var ids = new List<long>();
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (PointsPerRun * 10L);
        for (var r = 0; r < Runs; r++)
        {
            var (created, run) = await Portal.Http.PostJsonAsync("/api/runs/external", new { name = $"binary-{r}" });
            Assert.True(created == HttpStatusCode.Created, run.ToString());
            var id = run.GetProperty("id").GetInt64();
            for (var b = 0; b < PointsPerRun / 1000; b++)
            {
                var points = Enumerable.Range(b * 1000, 1000).Select(step => new
                {
                    key = "loss", step, time = start + (step * 10L), value = Value(r, step),
                }).ToArray();
                var (logged, answer) = await Portal.Http.PostJsonAsync($"/api/runs/{id}/metrics", new { points });
                Assert.True(logged == HttpStatusCode.OK, answer.ToString());
            }
            ids.Add(id);
        }

        var page = await NewPageAsync();
        var requests = new List<string>();
        page.Request += (_, request) => { if (request.Url.Contains("/api/compare/metrics", StringComparison.Ordinal)) lock (requests) requests.Add(request.Url); };
        await SignInAsync(page, $"/compare?runs={string.Join(',', ids)}");
        var chart = page.Locator("[data-testid=cmp-chart][data-state=ready]");
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-series-count", Runs.ToString(CultureInfo.InvariantCulture), new() { Timeout = 30_000 });
        // Every stored point is held (NaN points too: they are points, drawn as gaps), and the spike is drawn.
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-point-count", (Runs * PointsPerRun).ToString(CultureInfo.InvariantCulture));
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-y-max", "1000");
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-y-min", "-1000");
        lock (requests) Assert.Contains(requests, u => u.Contains("format=bin", StringComparison.Ordinal) && u.Contains("times=false", StringComparison.Ordinal));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "compare-binary.png"), FullPage = true });

        // A time axis fetches the times once, then draws the same points against them; the spike is still there.
        await page.GetByTestId("cmp-x").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "relative time (s)" }).ClickAsync();
        var relative = page.Locator("[data-testid=cmp-chart][data-state=ready][data-x-mode=relative]");
        await Assertions.Expect(relative).ToHaveAttributeAsync("data-y-max", "1000");
        await Assertions.Expect(relative).ToHaveAttributeAsync("data-y-min", "-1000");
        lock (requests) Assert.Contains(requests, u => u.Contains("format=bin", StringComparison.Ordinal) && u.Contains("times=true", StringComparison.Ordinal));
        await page.GetByTestId("cmp-x").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "wall time" }).ClickAsync();
        var wall = page.Locator("[data-testid=cmp-chart][data-state=ready][data-x-mode=wall]");
        await Assertions.Expect(wall).ToHaveAttributeAsync("data-y-max", "1000");
        await Assertions.Expect(wall).ToHaveAttributeAsync("data-y-min", "-1000");
        lock (requests) Assert.Equal(2, requests.Count); // the times came once

        // Zoom into a window around the spike: re-sampled from the held points, the spike still drawn.
        var box = (await page.Locator("[data-testid=cmp-chart] .u-over").BoundingBoxAsync())!;
        var fraction = 12_345f / PointsPerRun;
        await page.Mouse.MoveAsync(box.X + (box.Width * (fraction - 0.05f)), box.Y + (box.Height / 2));
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(box.X + (box.Width * (fraction + 0.05f)), box.Y + (box.Height / 2), new() { Steps = 4 });
        await page.Mouse.UpAsync();
        var zoomed = page.Locator("[data-testid=cmp-chart][data-zoomed=true]");
        await Assertions.Expect(zoomed).ToHaveAttributeAsync("data-y-max", "1000");
        await Assertions.Expect(zoomed).ToHaveAttributeAsync("data-y-min", "-1000");

        // The binary form straight from the API: the documented header; a wrong format is a 400 naming the field.
        using var binary = await Portal.Http.GetAsync(new Uri($"/api/compare/metrics?runs={ids[0]}&key=loss&format=bin", UriKind.Relative));
        Assert.Equal("application/octet-stream", binary.Content.Headers.ContentType?.MediaType);
        var bytes = await binary.Content.ReadAsByteArrayAsync();
        Assert.Equal("LLCH", System.Text.Encoding.ASCII.GetString(bytes, 0, 4));
        Assert.Equal(16 + 32 + (PointsPerRun * (4 + 8)), bytes.Length); // int32 steps + float64 values, no times
        using var bad = await Portal.Http.GetAsync(new Uri($"/api/compare/metrics?runs={ids[0]}&key=loss&format=xml", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("\"format\"", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>A decaying curve per run; run 1 has a spike up at step 12,345 and down at 12,346; every 997th point is NaN.</summary>
    private static object Value(int run, int step) =>
        run == 1 && step == 12_345 ? Spike
        : run == 1 && step == 12_346 ? DownSpike
        : step % 997 == 0 ? "NaN"
        : ((1.0 + run) * Math.Exp(-step / 5000.0)) + (0.01 * Math.Sin(step));
}
