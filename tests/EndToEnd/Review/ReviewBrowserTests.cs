using LayerLab.Tests.EndToEnd.Browser;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Playwright;

namespace LayerLab.Tests.EndToEnd.Review;

/// <summary>A review round trip in real Chromium: researcher's run, reviewer comments with a mention and requests changes.</summary>
[Collection(PortalCollection.Name)]
public sealed class ReviewBrowserTests : BrowserTestBase
{
    private const string Password = "user-password-1";

    [Fact]
    public async Task Reviewer_comments_mentions_the_author_and_requests_changes_on_the_run_page()
    {
        await Portal.Http.CreateUserAsync("researcher@lab.test", Password, "Researcher");
        await Portal.Http.CreateUserAsync("reviewer@lab.test", Password, "Reviewer");
        var researcher = await Portal.SignInAsync("researcher@lab.test", Password);
        var run = await researcher.SubmitAsync(new { trials = 20, epochs = 100, lr_points = 4 });

        var page = await NewPageAsync();
        await SignInAsync(page, $"/runs/{run}", "reviewer@lab.test", Password);
        await page.Locator("[data-testid=circuit][data-interactive=true]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        var review = page.GetByTestId("review-panel");
        await Expect(review.GetByTestId("review-state")).ToHaveAttributeAsync("data-state", "Unreviewed");

        // A comment with a mention, and markup that must not run.
        var discussion = page.GetByTestId("discussion-panel");
        await discussion.GetByTestId("comment-editor").Locator("textarea").FillAsync(
            "Nice curve @researcher@lab.test, but **one seed** is thin. <script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\">");
        await discussion.GetByTestId("comment-editor").GetByTestId("comment-save").ClickAsync();
        var comment = discussion.GetByTestId("comment").First;
        await Expect(comment.Locator(".mention")).ToHaveTextAsync("@researcher@lab.test");
        await Expect(comment.Locator("strong")).ToHaveTextAsync("one seed");
        Assert.Equal(0, await comment.Locator("script").CountAsync());
        Assert.Equal(0, await comment.Locator("[onerror]").CountAsync());
        Assert.Equal("none", await page.EvaluateAsync<string>("() => String(window.pwned ?? 'none')"));

        // Changes requested needs a comment: without one the state stays, with one it changes and shows in the history.
        await review.GetByTestId("review-set-ChangesRequested").ClickAsync();
        await Expect(page.GetByText("A comment is required")).ToBeVisibleAsync();
        await Expect(review.GetByTestId("review-state")).ToHaveAttributeAsync("data-state", "Unreviewed");
        await review.GetByTestId("review-comment").Locator("textarea").FillAsync("Please add seeds 2-5.");
        await review.GetByTestId("review-set-ChangesRequested").ClickAsync();
        await Expect(review.GetByTestId("review-state")).ToHaveAttributeAsync("data-state", "ChangesRequested");
        var history = review.GetByTestId("review-event");
        await Expect(history).ToHaveCountAsync(1);
        await Expect(history.First).ToContainTextAsync("Please add seeds 2-5.");
        await Expect(history.First).ToContainTextAsync("reviewer@lab.test");

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "review.png"), FullPage = true });

        // The runs list shows the state as a chip.
        await page.GotoAsync(new Uri(Portal.BaseAddress, "/").ToString());
        await Expect(page.Locator($".run-{run}").GetByTestId("review-state")).ToHaveAttributeAsync("data-state", "ChangesRequested");
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);
}
