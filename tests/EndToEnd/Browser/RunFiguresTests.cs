using System.Buffers.Binary;
using System.Text.RegularExpressions;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Playwright;

namespace LayerLab.Tests.EndToEnd.Browser;

/// <summary>
/// A finished xor-prelu run draws the paper's figure (success rate against learning rate, one line per model family)
/// above its tables, and exports it as SVG and PNG (#20).
/// </summary>
[Collection(PortalCollection.Name)]
public sealed partial class RunFiguresTests : BrowserTestBase
{
    private static readonly string[] Families = ["PReLU", "PReLU+bias", "MLP", "GCU"];

    [Fact]
    public async Task Xor_prelu_run_draws_success_against_learning_rate_per_family_and_exports_svg_and_png()
    {
        var run = await Portal.Http.SubmitAsync(new { trials = 4, epochs = 20, lr_points = 3 }, seed: 5);
        var finished = await Portal.Http.WaitForStatusAsync(run, TimeSpan.FromMinutes(2), LabApi.FinishedStatuses);
        Assert.True(finished.GetProperty("status").GetString() == "Succeeded", $"{finished}\n{Portal.Log}");

        var page = await NewPageAsync();
        await SignInAsync(page, $"/runs/{run}");
        // The PNG export runs in the interactive circuit: wait for it before clicking.
        await page.Locator("[data-testid=circuit][data-interactive=true]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        var figure = page.Locator("[data-testid=run-figure][data-figure=success-vs-lr]");
        await Assertions.Expect(figure).ToBeVisibleAsync();
        // One line per model family, each with one point per learning rate, on a log x axis.
        await Assertions.Expect(figure.Locator("[data-testid=run-figure-svg] polyline[data-series]")).ToHaveCountAsync(Families.Length);
        foreach (var family in Families)
            await Assertions.Expect(figure.Locator($"[data-testid=run-figure-svg] polyline[data-series=\"{family}\"]")).ToHaveCountAsync(1);
        await Assertions.Expect(figure.Locator("[data-testid=run-figure-svg] circle")).ToHaveCountAsync(Families.Length * 3);
        Assert.Contains("learning rate (log)", await figure.GetByTestId("run-figure-svg").InnerHTMLAsync(), StringComparison.Ordinal);
        // Drawn above the tables.
        var figureTop = (await figure.BoundingBoxAsync())!.Y;
        await Assertions.Expect(page.GetByTestId("run-summary")).ToBeVisibleAsync();
        var summaryTop = (await page.GetByTestId("run-summary").BoundingBoxAsync())!.Y;
        Assert.True(figureTop < summaryTop, $"figure at {figureTop}, summary at {summaryTop}");

        // SVG: the server's file, with every family's path and label.
        var svg = await Portal.Http.GetStringAsync(new Uri($"/api/runs/{run}/figures/success-vs-lr.svg", UriKind.Relative));
        Assert.StartsWith("<svg", svg, StringComparison.Ordinal);
        Assert.Equal(Families.Length, PolylinePattern().Count(svg));
        foreach (var family in Families) Assert.Contains($">{System.Net.WebUtility.HtmlEncode(family)}</text>", svg, StringComparison.Ordinal);
        using var missing = await Portal.Http.GetAsync(new Uri($"/api/runs/{run}/figures/no-such-figure.svg", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);

        // PNG: the same picture rasterised at 2× in the browser.
        var download = await page.RunAndWaitForDownloadAsync(() => figure.GetByTestId("run-figure-png").ClickAsync());
        var png = await File.ReadAllBytesAsync(await download.PathAsync());
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        Assert.Equal(1800, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)));
        Assert.Equal(840, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4)));
        Assert.True(png.Length > 10_000, $"a {png.Length}-byte PNG is too small to hold the figure");
        await File.WriteAllBytesAsync(Path.Combine(RepoPaths.TestResults, "run-figure-export.png"), png);
        // The metric panels are drawn on the same page, the figure does not displace them.
        await Assertions.Expect(page.GetByTestId("run-chart")).ToHaveAttributeAsync("data-state", "ready");
        await Assertions.Expect(page.GetByTestId("run-panel")).Not.ToHaveCountAsync(0);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "run-figures.png"), FullPage = true });
    }

    [GeneratedRegex("<polyline [^>]*data-series=")]
    private static partial Regex PolylinePattern();
}
