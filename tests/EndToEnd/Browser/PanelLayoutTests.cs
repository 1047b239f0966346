using System.Globalization;
using System.Net;
using System.Text;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Playwright;

namespace LayerLab.Tests.EndToEnd.Browser;

/// <summary>
/// The run page's panel grid as a person arranges it (#20): pin, move, collapse, kept on the server for that person
/// and experiment; and zoom linked across panels on the shared step axis. Runs are external runs logged over HTTP, so
/// nothing trains and the groups are known.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class PanelLayoutTests : BrowserTestBase
{
    private const string Password = "user-password-1";

    [Fact]
    public async Task Pinned_moved_and_collapsed_panels_come_back_after_a_reload_for_that_person_only()
    {
        var run = await ExternalRunAsync();
        var page = await NewPageAsync();
        await SignInAsync(page, $"/runs/{run}");
        var grid = page.GetByTestId("run-chart");
        await Assertions.Expect(grid).ToHaveAttributeAsync("data-state", "ready");
        await Assertions.Expect(grid).ToHaveAttributeAsync("data-panel-count", "3");
        var initial = (await grid.GetAttributeAsync("data-panel-order"))!.Split(',');
        Assert.Equal(3, initial.Length);

        // Pin the last panel: it goes first, and the save finishes before the reload.
        await Panel(page, initial[2]).GetByTestId("panel-pin").ClickAsync();
        await Assertions.Expect(grid).ToHaveAttributeAsync("data-panel-order", $"{initial[2]},{initial[0]},{initial[1]}");
        await Assertions.Expect(grid).ToHaveAttributeAsync("data-layout-state", "saved");
        // Move from the keyboard: the first unpinned panel goes down past the other one, focus stays on its button.
        var down = Panel(page, initial[0]).GetByTestId("panel-down");
        await down.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(grid).ToHaveAttributeAsync("data-panel-order", $"{initial[2]},{initial[1]},{initial[0]}");
        await Assertions.Expect(grid).ToHaveAttributeAsync("data-layout-state", "saved");
        Assert.Equal(initial[0], await page.EvaluateAsync<string>("() => document.activeElement.closest('[data-testid=run-panel]').dataset.group"));
        // Collapse one: only its header is left.
        await Panel(page, initial[1]).GetByTestId("panel-collapse").ClickAsync();
        await Assertions.Expect(Panel(page, initial[1]).GetByRole(AriaRole.Figure)).ToBeHiddenAsync();
        await Assertions.Expect(grid).ToHaveAttributeAsync("data-layout-state", "saved");

        await page.ReloadAsync();
        await Assertions.Expect(grid).ToHaveAttributeAsync("data-state", "ready");
        await Assertions.Expect(grid).ToHaveAttributeAsync("data-panel-order", $"{initial[2]},{initial[1]},{initial[0]}");
        await Assertions.Expect(page.GetByTestId("run-panel").First).ToHaveAttributeAsync("data-group", initial[2]);
        await Assertions.Expect(Panel(page, initial[2])).ToHaveAttributeAsync("data-pinned", "true");
        await Assertions.Expect(Panel(page, initial[1])).ToHaveAttributeAsync("data-collapsed", "true");
        await Assertions.Expect(Panel(page, initial[1]).GetByRole(AriaRole.Figure)).ToBeHiddenAsync();
        await Assertions.Expect(Panel(page, initial[1]).GetByRole(AriaRole.Heading)).ToBeVisibleAsync();
        await Assertions.Expect(Panel(page, initial[0]).Locator("canvas")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "run-panels-layout.png"), FullPage = true });

        // Another run of the same experiment opens the same way for this person.
        var second = await ExternalRunAsync();
        await page.GotoAsync(new Uri(Portal.BaseAddress, $"/runs/{second}").ToString());
        await Assertions.Expect(grid).ToHaveAttributeAsync("data-state", "ready");
        await Assertions.Expect(grid).ToHaveAttributeAsync("data-panel-order", $"{initial[2]},{initial[1]},{initial[0]}");

        // Another person sees the default order, nothing collapsed.
        await Portal.Http.CreateUserAsync("carol@lab.test", Password, "Researcher");
        var other = await NewPageAsync();
        await SignInAsync(other, $"/runs/{run}", "carol@lab.test", Password);
        var otherGrid = other.GetByTestId("run-chart");
        await Assertions.Expect(otherGrid).ToHaveAttributeAsync("data-state", "ready");
        await Assertions.Expect(otherGrid).ToHaveAttributeAsync("data-panel-order", string.Join(',', initial));
        Assert.Equal(0, await other.Locator("[data-testid=run-panel][data-collapsed=true]").CountAsync());
    }

    [Fact]
    public async Task Zooming_one_panel_zooms_the_others_while_x_axes_are_linked()
    {
        var run = await ExternalRunAsync();
        var page = await NewPageAsync();
        await SignInAsync(page, $"/runs/{run}");
        var grid = page.GetByTestId("run-chart");
        await Assertions.Expect(grid).ToHaveAttributeAsync("data-state", "ready");
        await Assertions.Expect(grid).ToHaveAttributeAsync("data-link-x", "true");
        var charts = page.GetByTestId("run-panel").GetByRole(AriaRole.Figure);
        for (var i = 0; i < 3; i++) await Assertions.Expect(charts.Nth(i)).ToHaveAttributeAsync("data-x-max", "99");

        await DragAsync(page, 0, 0.3, 0.6);
        var (min0, max0) = await XRangeAsync(charts.Nth(0));
        Assert.True(min0 > 10 && max0 < 90, $"the dragged panel zoomed: {min0}..{max0}");
        // The other panels show the same window (their attributes follow the drawn x scale).
        for (var i = 1; i < 3; i++)
        {
            await Assertions.Expect(charts.Nth(i)).ToHaveAttributeAsync("data-x-min", min0.ToString(CultureInfo.InvariantCulture));
            await Assertions.Expect(charts.Nth(i)).ToHaveAttributeAsync("data-x-max", max0.ToString(CultureInfo.InvariantCulture));
        }

        // Reset zoom: every panel back to all steps.
        await page.GetByTestId("reset-zoom").ClickAsync();
        for (var i = 0; i < 3; i++) await Assertions.Expect(charts.Nth(i)).ToHaveAttributeAsync("data-x-max", "99");

        // Unlinked: a zoom stays on its own panel.
        await page.GetByLabel("link x axes").ClickAsync();
        await Assertions.Expect(grid).ToHaveAttributeAsync("data-link-x", "false");
        await DragAsync(page, 0, 0.3, 0.6);
        var (_, zoomedMax) = await XRangeAsync(charts.Nth(0));
        Assert.True(zoomedMax < 90, $"the dragged panel zoomed: ..{zoomedMax}");
        await Assertions.Expect(charts.Nth(1)).ToHaveAttributeAsync("data-x-max", "99");
    }

    private static ILocator Panel(IPage page, string group) => page.Locator($"[data-testid=run-panel][data-group='{group}']");

    private static async Task DragAsync(IPage page, int panel, double from, double to)
    {
        var over = page.GetByTestId("run-panel").Nth(panel).Locator(".u-over");
        await over.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });
        var box = await over.BoundingBoxAsync() ?? throw new InvalidOperationException($"panel {panel} has no plot area");
        var y = box.Y + box.Height / 2;
        await page.Mouse.MoveAsync((float)(box.X + box.Width * from), (float)y);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync((float)(box.X + box.Width * (from + to) / 2), (float)y, new MouseMoveOptions { Steps = 4 });
        await page.Mouse.MoveAsync((float)(box.X + box.Width * to), (float)y, new MouseMoveOptions { Steps = 4 });
        await page.Mouse.UpAsync();
    }

    private static async Task<(double Min, double Max)> XRangeAsync(ILocator chart)
    {
        await Assertions.Expect(chart).Not.ToHaveAttributeAsync("data-x-max", "99");
        return (double.Parse((await chart.GetAttributeAsync("data-x-min"))!, CultureInfo.InvariantCulture),
            double.Parse((await chart.GetAttributeAsync("data-x-max"))!, CultureInfo.InvariantCulture));
    }

    /// <summary>An external run (experiment "external") with three metric groups over steps 0..99.</summary>
    private async Task<long> ExternalRunAsync()
    {
        var (created, run) = await Portal.Http.PostJsonAsync("/api/runs/external", new { name = "panels" });
        Assert.True(created == HttpStatusCode.Created, $"{created} {run}");
        var id = run.GetProperty("id").GetInt64();
        var points = new StringBuilder();
        foreach (var step in Enumerable.Range(0, 100))
        foreach (var (key, value) in new[] { ("loss/train", 1.0 / (step + 1)), ("loss/test", 1.2 / (step + 1)), ("acc/train", step / 100.0), ("lr", 0.1) })
            points.Append(CultureInfo.InvariantCulture, $"{{\"key\":\"{key}\",\"step\":{step},\"value\":{value.ToString("R", CultureInfo.InvariantCulture)}}},");
        using var content = new StringContent($"{{\"points\":[{points.ToString().TrimEnd(',')}]}}", Encoding.UTF8, "application/json");
        using var response = await Portal.Http.PostAsync(new Uri($"/api/runs/{id}/metrics", UriKind.Relative), content);
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return id;
    }
}
