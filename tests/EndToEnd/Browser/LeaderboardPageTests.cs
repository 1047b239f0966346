using System.Globalization;
using System.Net.Http.Json;
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

    [Fact]
    public async Task Runs_logged_over_http_rank_on_the_external_leaderboard()
    {
        foreach (var (lr, loss) in new[] { (0.1, 0.30), (0.1, 0.20), (0.01, 0.05) })
        {
            var (status, run) = await Portal.Http.PostJsonAsync("/api/runs/external", new { name = "laptop", parameters = new { lr } });
            Assert.Equal(System.Net.HttpStatusCode.Created, status);
            var id = run.GetProperty("id").GetInt64();
            var points = Enumerable.Range(0, 10).Select(step => new { key = "loss", step, value = loss + (0.1 * (9 - step)) }).ToArray();
            Assert.Equal(System.Net.HttpStatusCode.OK, (await Portal.Http.PostJsonAsync($"/api/runs/{id}/metrics", new { points })).Status);
            using var done = await Portal.Http.PutAsJsonAsync(new Uri($"/api/runs/{id}/status", UriKind.Relative), new { status = "Succeeded" });
            Assert.True(done.IsSuccessStatusCode, await done.Content.ReadAsStringAsync());
        }

        var page = await NewPageAsync();
        await SignInAsync(page, "/leaderboard?experiment=external&review=any");
        var rows = page.GetByTestId("lb-row");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        // Lower loss is better by default: lr=0.01 (best 0.05, 1 run) first, then lr=0.1 (mean of 0.30 and 0.20, 2 runs).
        var first = await rows.Nth(0).Locator("td").AllInnerTextsAsync();
        var second = await rows.Nth(1).Locator("td").AllInnerTextsAsync();
        Assert.Contains("lr=0.01", first[1], StringComparison.Ordinal);
        Assert.Equal("0.05", first[2]);
        Assert.Equal(("0.25", "2"), (second[2], second[4]));
    }
}
