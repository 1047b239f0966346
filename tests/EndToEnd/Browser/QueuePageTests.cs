using System.Globalization;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Playwright;

namespace LayerLab.Tests.EndToEnd.Browser;

/// <summary>The queue page in Chromium: the pending list in order, priority up, cancel selected, and the bell that
/// lights up when one of your runs ends.</summary>
[Collection(PortalCollection.Name)]
public sealed class QueuePageTests : BrowserTestBase
{
    [Fact]
    public async Task Queue_page_lists_pending_runs_reorders_on_priority_up_cancels_selected_and_the_bell_shows_a_finished_run()
    {
        // One worker, kept busy: everything after the blocker waits in the queue.
        var blocker = await Portal.Http.SubmitAsync(new { trials = 1000, epochs = 100000 });
        await Portal.Http.WaitForStatusAsync(blocker, TimeSpan.FromSeconds(60), "Running");
        var short1 = new List<long>();
        for (var i = 0; i < 5; i++) short1.Add(await Portal.Http.SubmitAsync(new { trials = 20, epochs = 100, lr_points = 3 }, seed: i));

        var page = await NewPageAsync();
        await SignInAsync(page, "/queue");
        await page.Locator("[data-testid=circuit][data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Expect(page.Locator($"tr.running-{blocker}")).ToBeVisibleAsync();
        await Expect(page.Locator("tr.pending-row")).ToHaveCountAsync(5);
        // Dispatched first (Hangfire holds it for the busy worker), then the rest in queue order.
        Assert.Equal(short1, await PendingOrderAsync(page));
        // No xor-prelu run has finished here yet, so there is nothing to estimate a start from.
        await Expect(page.Locator($"tr.pending-{short1[2]} [data-testid=starts]")).ToHaveTextAsync("unknown");

        // Priority up on the last one: it goes ahead of the others still waiting (not of the one already dispatched).
        var last = short1[^1];
        await page.Locator($"tr.pending-{last} [data-testid=priority-up]").ClickAsync();
        await Expect(page.Locator($"tr.pending-{last} [data-testid=priority]")).ToHaveTextAsync("1");
        Assert.Equal([short1[0], last, short1[1], short1[2], short1[3]], await PendingOrderAsync(page));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "queue-page.png"), FullPage = true });

        // Tick two and cancel them together.
        foreach (var id in new[] { short1[1], short1[2] }) await page.Locator($"tr.pending-{id} input[type=checkbox]").CheckAsync();
        await Expect(page.GetByTestId("cancel-selected")).ToContainTextAsync("(2)");
        await page.GetByTestId("cancel-selected").ClickAsync();
        await Expect(page.Locator("tr.pending-row")).ToHaveCountAsync(3);
        foreach (var id in new[] { short1[1], short1[2] })
            Assert.Equal("Cancelled", (await Portal.Http.GetJsonAsync($"/api/runs/{id}")).GetProperty("status").GetString());

        // Stop the blocker: it ended after running, so its owner hears of it at once, live, without a reload.
        await Expect(page.GetByTestId("notification-unread")).ToHaveAttributeAsync("data-count", "0");
        using (await Portal.Http.PostAsync(new Uri($"/api/runs/{blocker}/cancel", UriKind.Relative), null)) { }
        await Expect(page.GetByTestId("notification-unread")).Not.ToHaveAttributeAsync("data-count", "0", new() { Timeout = 30_000 });

        // The rest train; the queue empties and every ended run left a notification.
        foreach (var id in new[] { short1[0], short1[3], last }) await Portal.Http.WaitForStatusAsync(id, TimeSpan.FromSeconds(90), "Succeeded");
        await Expect(page.Locator("tr.pending-row")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("notification-unread")).ToHaveAttributeAsync("data-count", "4");
        await page.GetByTestId("notification-bell").ClickAsync();
        await Expect(page.GetByTestId("notification")).ToHaveCountAsync(4);
        await Expect(page.GetByTestId("notification").Filter(new() { HasText = $"Run #{blocker}" })).ToContainTextAsync("was cancelled");
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Path.Combine(RepoPaths.TestResults, "queue-notifications.png"), Animations = ScreenshotAnimations.Disabled,
        });

        // Opening one goes to the run and marks it read.
        await page.GetByTestId("notification").Filter(new() { HasText = $"Run #{last} " }).ClickAsync();
        await page.WaitForURLAsync($"**/runs/{last}");
        await Expect(page.GetByTestId("notification-unread")).ToHaveAttributeAsync("data-count", "3");
    }

    private static async Task<List<long>> PendingOrderAsync(IPage page)
    {
        var links = await page.GetByTestId("pending-run").AllInnerTextsAsync();
        return links.Select(t => long.Parse(t.TrimStart('#'), CultureInfo.InvariantCulture)).ToList();
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);
}
