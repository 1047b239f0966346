using System.Text.RegularExpressions;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Playwright;

namespace LayerLab.Tests.EndToEnd.Browser;

/// <summary>Issue #22: the main actions with the keyboard alone (and a focus ring on every stop), per-field errors in a
/// live region, and the dark theme: toggled, remembered across a reload and per user (another browser), charts redrawn
/// in its colours.</summary>
[Collection(PortalCollection.Name)]
public sealed partial class KeyboardAndThemeTests : BrowserTestBase
{
    [Fact]
    public async Task Keyboard_alone_submits_a_run_with_its_errors_announced_then_ticks_two_runs_and_compares_them()
    {
        var first = await Portal.Http.SubmitAsync(new { trials = 5, epochs = 30, lr_points = 3 }, seed: 1);
        var page = await NewPageAsync();
        await SignInAsync(page, "/submit/xor-prelu");
        await WaitInteractiveAsync(page);

        // The page's h1 has the focus after navigating; before the app bar the skip link waits, and shows itself.
        await TabToAsync(page, "[data-testid=skip-link]");
        Assert.True((await page.GetByTestId("skip-link").BoundingBoxAsync())!.Y >= 0, "the focused skip link is on screen");

        // A bad value: the field's message goes into its live region (screen readers announce it).
        await TabToAsync(page, "#param-epochs");
        await page.Keyboard.PressAsync("ControlOrMeta+a");
        await page.Keyboard.TypeAsync("0");
        await TabToAsync(page, "#param-trials");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByTestId("param-error-live-epochs")).ToContainTextAsync("epochs:");
        await Expect(page.GetByTestId("param-error-live-epochs")).ToHaveAttributeAsync("aria-live", "polite");
        await Expect(page.GetByTestId("submit-errors")).ToHaveAttributeAsync("role", "alert");

        // Fixed by keyboard and submitted with Enter from the form.
        await TabToAsync(page, "#param-epochs");
        await page.Keyboard.PressAsync("ControlOrMeta+a");
        await page.Keyboard.TypeAsync("30");
        await TabToAsync(page, "#param-trials");
        await page.Keyboard.PressAsync("ControlOrMeta+a");
        await page.Keyboard.TypeAsync("5");
        await TabToAsync(page, "#param-lr_points");
        await page.Keyboard.PressAsync("ControlOrMeta+a");
        await page.Keyboard.TypeAsync("3");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(new Regex(@"/runs/\d+$"));
        var second = long.Parse(page.Url[(page.Url.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        foreach (var id in new[] { first, second }) await Portal.Http.WaitForStatusAsync(id, TimeSpan.FromMinutes(2), LabApi.FinishedStatuses);

        // The runs list: tick both runs, then Compare, all from the keyboard.
        await page.GotoAsync(new Uri(Portal.BaseAddress, "/").ToString());
        await WaitInteractiveAsync(page);
        foreach (var id in new[] { second, first })
        {
            await TabToAsync(page, $"tr.run-{id} input[type=checkbox]");
            await page.Keyboard.PressAsync("Space");
        }
        await Expect(page.GetByTestId("compare-selected")).ToContainTextAsync("(2)");
        await TabToAsync(page, "[data-testid=compare-selected]");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync($"**/compare?runs={Math.Min(first, second)},{Math.Max(first, second)}");

        // The chart's data table opens from the keyboard too.
        await page.Locator("[data-testid=cmp-chart][data-state=ready]").WaitForAsync();
        await TabToAsync(page, "[data-testid=cmp-chart] summary");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("[data-testid=cmp-chart] details table tbody tr")).ToHaveCountAsync(2);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "keyboard-compare.png"), FullPage = true });
    }

    [Fact]
    public async Task Theme_toggle_switches_to_dark_remembers_it_and_redraws_the_chart_in_its_colours()
    {
        var run = await Portal.Http.SubmitAsync(new { trials = 5, epochs = 30, lr_points = 3 }, seed: 1);
        await Portal.Http.WaitForStatusAsync(run, TimeSpan.FromMinutes(2), LabApi.FinishedStatuses);
        var page = await NewPageAsync();
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = ColorScheme.Light });
        await SignInAsync(page, $"/runs/{run}");
        await WaitInteractiveAsync(page);
        await Expect(page.GetByTestId("circuit")).ToHaveAttributeAsync("data-theme", "light");
        await page.Locator("[data-testid=run-chart][data-state=ready]").WaitForAsync();
        var lightMarker = await FirstMarkerColourAsync(page);
        var lightBackground = await BackgroundAsync(page);

        // The toggle is a named button, operated from the keyboard.
        var toggle = page.GetByTestId("theme-toggle");
        await Expect(toggle).ToHaveAttributeAsync("aria-label", "Use the dark theme");
        await TabToAsync(page, "[data-testid=theme-toggle]");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByTestId("circuit")).ToHaveAttributeAsync("data-theme", "dark");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
        await Expect(toggle).ToHaveAttributeAsync("aria-label", "Use the light theme");
        Assert.NotEqual(lightBackground, await BackgroundAsync(page));
        // The chart redraws in the dark palette (Okabe–Ito, light shades first): #56B4E9 for the first series.
        Assert.Equal("rgb(86, 180, 233)", await PollAsync(() => FirstMarkerColourAsync(page), "rgb(86, 180, 233)"));
        Assert.Equal("rgb(0, 114, 178)", lightMarker);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "theme-dark-run.png"), FullPage = true });

        // Remembered (a cookie), even though the system prefers light: a full reload prerenders dark already.
        var html = await (await page.Context.APIRequest.GetAsync(new Uri(Portal.BaseAddress, $"/runs/{run}").ToString())).TextAsync();
        Assert.Contains("layerlab-theme", string.Join(";", (await page.Context.CookiesAsync()).Select(c => $"{c.Name}={c.Value}")), StringComparison.Ordinal);
        Assert.Contains("data-prerendered-theme=\"dark\"", html, StringComparison.Ordinal);
        await page.ReloadAsync();
        await WaitInteractiveAsync(page);
        await Expect(page.GetByTestId("circuit")).ToHaveAttributeAsync("data-theme", "dark");

        // Remembered per user, not only per browser: another browser (no cookies, a light system) signs in as the
        // same user and gets dark from the first paint (the server read the account's choice) and after it.
        var other = await NewPageAsync();
        await other.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = ColorScheme.Light });
        await SignInAsync(other, $"/runs/{run}");
        Assert.Equal("dark", await other.GetByTestId("circuit").GetAttributeAsync("data-prerendered-theme"));
        await WaitInteractiveAsync(other);
        await Expect(other.GetByTestId("circuit")).ToHaveAttributeAsync("data-theme", "dark");
        // ...and the other browser now carries the choice in its own cookie too.
        Assert.Contains("layerlab-theme=dark", string.Join(";", (await other.Context.CookiesAsync()).Select(c => $"{c.Name}={c.Value}")), StringComparison.Ordinal);
        await other.Context.CloseAsync();

        // Back to light: the choice is stored again.
        await toggle.ClickAsync();
        await Expect(page.GetByTestId("circuit")).ToHaveAttributeAsync("data-theme", "light");
        Assert.Equal("rgb(0, 114, 178)", await PollAsync(() => FirstMarkerColourAsync(page), "rgb(0, 114, 178)"));
        // ...for the account as well: a fresh browser with a dark system preference still gets the chosen light.
        var third = await NewPageAsync();
        await third.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = ColorScheme.Dark });
        await SignInAsync(third, $"/runs/{run}");
        await WaitInteractiveAsync(third);
        await Expect(third.GetByTestId("circuit")).ToHaveAttributeAsync("data-theme", "light");
        await third.Context.CloseAsync();
    }

    /// <summary>Presses Tab (Shift+Tab when the target comes before the focus) until <paramref name="selector"/> has
    /// the focus, so it is reachable, checking that every stop on the way shows a focus ring (an outline or a shadow
    /// on it or its wrapper).</summary>
    private static async Task TabToAsync(IPage page, string selector, int maxStops = 120)
    {
        var target = page.Locator(selector).First;
        var backwards = await target.EvaluateAsync<bool>(
            "e => document.activeElement && document.activeElement !== document.body && !!(e.compareDocumentPosition(document.activeElement) & Node.DOCUMENT_POSITION_FOLLOWING)");
        for (var i = 0; i < maxStops; i++)
        {
            if (await target.EvaluateAsync<bool>("e => e === document.activeElement")) return;
            await page.Keyboard.PressAsync(backwards ? "Shift+Tab" : "Tab");
            var ring = await page.EvaluateAsync<string>("""
                () => {
                  const a = document.activeElement;
                  if (!a || a === document.body) return 'ok';
                  // MudBlazor text fields show focus on their frame: a 2px primary outline border, or the underline.
                  const field = a.closest('.mud-input');
                  if (field) {
                    const frame = field.querySelector('.mud-input-outlined-border');
                    if (frame && parseFloat(getComputedStyle(frame).borderTopWidth) >= 2) return 'ok';
                    if (field.classList.contains('mud-input-underline')) return 'ok';
                  }
                  for (const e of [a, a.parentElement]) {
                    if (!e) continue;
                    const s = getComputedStyle(e);
                    if (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) return 'ok';
                    if (s.boxShadow && s.boxShadow !== 'none') return 'ok';
                  }
                  return a.outerHTML.slice(0, 160);
                }
                """);
            Assert.True(ring == "ok", $"no visible focus on the way to {selector}: {ring}");
        }
        Assert.Fail($"{selector} not reached with {maxStops} Tab presses");
    }

    private static async Task<string> PollAsync(Func<Task<string>> read, string expected)
    {
        var value = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(15); DateTime.UtcNow < deadline; await Task.Delay(100))
            if ((value = await read()) == expected) break;
        return value;
    }

    private static Task<string> FirstMarkerColourAsync(IPage page) =>
        page.Locator("[data-testid=run-chart] .u-legend .u-series:nth-child(2) .u-marker").First.EvaluateAsync<string>("e => getComputedStyle(e).borderColor");

    private static Task<string> BackgroundAsync(IPage page) =>
        page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    private static Task WaitInteractiveAsync(IPage page) =>
        page.Locator("[data-testid=circuit][data-interactive=true]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
}
