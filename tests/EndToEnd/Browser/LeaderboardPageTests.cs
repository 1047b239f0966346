using System.Globalization;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Playwright;

namespace LayerLab.Tests.EndToEnd.Browser;

[Collection(PortalCollection.Name)]
public sealed class LeaderboardPageTests : BrowserTestBase
{
    [Fact]
    public async Task Seeds_of_one_configuration_form_one_ranked_row_beside_the_references()
    {
        // Two configurations: defaults-but-small with 2 seeds, and SGD with 1 seed.
        var small = new { trials = 20, epochs = 100, lr_points = 4 };
        var ids = new List<long>
        {
            await Portal.Http.SubmitAsync(small, seed: 1),
            await Portal.Http.SubmitAsync(small, seed: 2),
            await Portal.Http.SubmitAsync(new { trials = 20, epochs = 100, lr_points = 4, optimizer = "sgd" }, seed: 3),
        };
        foreach (var id in ids) await Portal.Http.WaitForStatusAsync(id, TimeSpan.FromSeconds(90), "Succeeded");

        var page = await NewPageAsync();
        // Nothing is approved yet: the default (approved-only) view is empty and says how to see the rest.
        await SignInAsync(page, "/leaderboard?experiment=xor-prelu&metric=success%2Fprelu");
        await Assertions.Expect(page.GetByTestId("lb-empty")).ToBeVisibleAsync();
        await page.GotoAsync(new Uri(Portal.BaseAddress, "/leaderboard?experiment=xor-prelu&metric=success%2Fprelu&review=any").ToString());
        var rows = page.GetByTestId("lb-row");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(page.GetByTestId("lb-reference")).ToHaveCountAsync(1);

        // Each row shows its seed count; the two-seed configuration has an interval, the one-seed one a dash.
        var cells = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => rows.Nth(i).Locator("td").AllInnerTextsAsync()));
        var counts = cells.Select(c => int.Parse(c[4], CultureInfo.InvariantCulture)).Order().ToList();
        Assert.Equal([1, 2], counts);
        Assert.Contains(cells, c => c[4] == "1" && c[3] == "–" && c[1].Contains("optimizer=sgd", StringComparison.Ordinal));
        Assert.Contains(cells, c => c[4] == "2" && c[3] != "–");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "leaderboard.png"), FullPage = true });
    }
}
