using System.Net;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Playwright;

namespace LayerLab.Tests.EndToEnd.Browser;

[Collection(PortalCollection.Name)]
public sealed class ReproduceTests : BrowserTestBase
{
    [Fact]
    public async Task Reproduce_reruns_the_same_seed_and_marks_the_original_on_its_page_and_the_leaderboard()
    {
        var original = await Portal.Http.SubmitAsync(new { trials = 20, epochs = 100, lr_points = 4 }, seed: 9);
        await Portal.Http.WaitForStatusAsync(original, TimeSpan.FromSeconds(90), "Succeeded");

        var page = await NewPageAsync();
        await SignInAsync(page, $"/runs/{original}");
        await page.Locator("[data-testid=circuit][data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.GetByTestId("reproduce-run").ClickAsync();

        // The copy trains with the same experiment, parameters and seed; CPU training is deterministic, so it agrees.
        await Assertions.Expect(page.Locator("[data-testid=reproduction][data-state=Reproduced]")).ToBeVisibleAsync(new() { Timeout = 90_000 });
        var copy = await Portal.Http.GetJsonAsync($"/api/runs/{original + 1}");
        Assert.Equal(original, copy.GetProperty("reproducesRunId").GetInt64());
        Assert.Equal(9, copy.GetProperty("seed").GetInt64());
        var first = await Portal.Http.GetJsonAsync($"/api/runs/{original}");
        Assert.Equal("Reproduced", first.GetProperty("reproduction").GetString());
        Assert.Contains("within", first.GetProperty("reproductionNote").GetString(), StringComparison.Ordinal);

        await page.GotoAsync(new Uri(Portal.BaseAddress, "/leaderboard?experiment=xor-prelu&review=any").ToString());
        await Assertions.Expect(page.GetByTestId("lb-reproduced")).ToHaveCountAsync(1);
        // The copy repeats seed 9: it marks the original and is not counted as a second seed.
        Assert.Equal("1", (await page.GetByTestId("lb-row").First.Locator("td").AllInnerTextsAsync())[4]);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "reproduced.png"), FullPage = true });

        // Only finished catalog runs can be reproduced.
        var running = await Portal.Http.SubmitAsync(new { trials = 1000, epochs = 100000 });
        var (status, body) = await Portal.Http.PostJsonAsync($"/api/runs/{running}/reproduce", new { });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(body.GetProperty("errors").TryGetProperty("run", out _));
        using var cancel = await Portal.Http.PostAsync(new Uri($"/api/runs/{running}/cancel", UriKind.Relative), null);
    }
}
