using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Playwright;

namespace LayerLab.Tests.EndToEnd.Browser;

/// <summary>
/// Five configurations of external runs (known parameter counts, layers and losses), reviewed and tagged, on one
/// portal shared by the tests below: leaderboard filters and columns, the budget view, compare's x axes and groups.
/// </summary>
public sealed class BoardFixture : IAsyncLifetime
{
    /// <summary>(layers, d_model, param_count, best loss); two seeds each, the second 0.02 worse.</summary>
    public static readonly (int Layers, int Width, int Parameters, double Loss)[] Configurations =
    [
        (1, 64, 1000, 0.50),   // front
        (2, 64, 2000, 0.30),   // front: deep beats shallow at 2,000 parameters
        (1, 128, 2000, 0.40),
        (4, 32, 4000, 0.35),   // dominated by the 2-layer one
        (1, 256, 8000, 0.20),  // front
    ];

    public TempDatabase Database { get; } = new();
    public PortalProcess Portal { get; private set; } = null!;
    public ChromiumSession Chromium { get; private set; } = null!;
    public List<long> RunIds { get; } = [];
    public long RejectedRun { get; private set; }

    public async Task InitializeAsync()
    {
        Portal = await PortalProcess.StartAsync(Database.FilePath);
        Chromium = await ChromiumSession.LaunchAsync();
        await Portal.Http.CreateUserAsync("reviewer@lab.test", "reviewer-password-1", "Reviewer");
        var reviewer = await Portal.SignInAsync("reviewer@lab.test", "reviewer-password-1");
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeMilliseconds();
        foreach (var (layers, width, parameters, loss) in Configurations)
        {
            for (var seed = 0; seed < 2; seed++)
            {
                var (status, run) = await Portal.Http.PostJsonAsync("/api/runs/external", new { name = "board", parameters = new { layers, d_model = width } });
                Assert.Equal(HttpStatusCode.Created, status);
                var id = run.GetProperty("id").GetInt64();
                // One point per second of (client) time; the loss falls to its best at the last step.
                var best = loss + (0.02 * seed);
                var points = Enumerable.Range(0, 20).Select(step => new { key = "loss", step, value = best + (0.05 * (19 - step)), time = t0 + (step * 1000L) }).ToArray();
                Assert.Equal(HttpStatusCode.OK, (await Portal.Http.PostJsonAsync($"/api/runs/{id}/metrics", new { points })).Status);
                using var done = await Portal.Http.PutAsJsonAsync(new Uri($"/api/runs/{id}/status", UriKind.Relative),
                    new { status = "Succeeded", summary = new Dictionary<string, double> { ["param_count"] = parameters } });
                Assert.True(done.IsSuccessStatusCode, await done.Content.ReadAsStringAsync());
                RunIds.Add(id);
            }
        }
        // All approved but the 4-layer configuration's second seed, which is rejected; the 1-layer/256 runs are tagged.
        for (var i = 0; i < RunIds.Count; i++)
        {
            var rejected = i == 7;
            var (status, _) = await reviewer.PostJsonAsync($"/api/runs/{RunIds[i]}/review",
                rejected ? new { state = "Rejected", comment = "diverged" } : new { state = "Approved", comment = "" });
            Assert.Equal(HttpStatusCode.OK, status);
            if (rejected) RejectedRun = RunIds[i];
        }
        foreach (var id in RunIds.Skip(8))
        {
            using var tagged = await Portal.Http.PutAsJsonAsync(new Uri($"/api/runs/{id}/tags", UriKind.Relative), new { tags = new[] { "wide" } });
            Assert.True(tagged.IsSuccessStatusCode, await tagged.Content.ReadAsStringAsync());
        }
    }

    public async Task DisposeAsync()
    {
        await Chromium.DisposeAsync();
        await Portal.DisposeAsync();
        Database.Dispose();
    }
}

[Collection(PortalCollection.Name)]
public sealed class BoardBrowserTests(BoardFixture board) : IClassFixture<BoardFixture>
{
    [Fact]
    public async Task Leaderboard_shows_architecture_and_review_columns_and_filters_by_review_state_tag_and_date()
    {
        var page = await SignedInPageAsync("/leaderboard?experiment=external");
        var rows = page.GetByTestId("lb-row");
        await Assertions.Expect(rows).ToHaveCountAsync(5);
        // Default view: approved runs only; the 4-layer configuration keeps its one approved seed.
        var cells = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => rows.Nth(i).Locator("td").AllInnerTextsAsync()));
        var deep = Assert.Single(cells, c => c[1].Contains("layers=4", StringComparison.Ordinal));
        Assert.Equal(("1", "4", "32"), (deep[4], deep[6], deep[8])); // n, layers, width
        Assert.Equal("Approved", deep[13]);
        Assert.Equal("1", cells[0][6]);                              // best first: 1 layer, 256 wide, loss 0.21 mean
        Assert.Equal("0.21", cells[0][2]);

        // Review state: rejected runs only.
        await page.GetByTestId("lb-review").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "rejected" }).ClickAsync();
        await page.WaitForURLAsync("**review=Rejected**");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First.GetByTestId("lb-review-cell")).ToHaveTextAsync("Rejected");

        // Tag (any review state): only the tagged configuration.
        await page.GotoAsync(Url("/leaderboard?experiment=external&review=any"));
        await WaitInteractiveAsync(page);
        await page.GetByTestId("lb-tag").FillAsync("wide");
        await page.GetByTestId("lb-tag").PressAsync("Enter");
        await page.WaitForURLAsync("**tag=wide**");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First.Locator("td").Nth(1)).ToContainTextAsync("d_model=256");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "leaderboard-filters.png"), FullPage = true });

        // Date: runs finished from tomorrow on — none; until today — all five configurations.
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var tomorrow = DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await page.GotoAsync(Url("/leaderboard?experiment=external&review=any"));
        await WaitInteractiveAsync(page);
        await page.GetByTestId("lb-from").FillAsync(tomorrow);
        await page.WaitForURLAsync($"**from={tomorrow}**");
        await Assertions.Expect(page.GetByTestId("lb-empty")).ToBeVisibleAsync();
        await page.GotoAsync(Url($"/leaderboard?experiment=external&review=any&to={today}"));
        await Assertions.Expect(rows).ToHaveCountAsync(5);

        // Tag and date together (the day/tag buckets): yesterday and today as whole days (from/to), and the last day
        // from now (partial days read from the runs) — the tagged configuration with both its seeds; from tomorrow — nothing.
        var yesterday = DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        foreach (var range in new[] { $"from={yesterday}&to={today}", "days=1" })
        {
            await page.GotoAsync(Url($"/leaderboard?experiment=external&review=any&tag=wide&{range}"));
            await Assertions.Expect(rows).ToHaveCountAsync(1);
            await Assertions.Expect(rows.First.Locator("td").Nth(1)).ToContainTextAsync("d_model=256");
            await Assertions.Expect(rows.First.Locator("td").Nth(4)).ToHaveTextAsync("2");
        }
        await page.GotoAsync(Url($"/leaderboard?experiment=external&review=any&tag=wide&from={tomorrow}"));
        await Assertions.Expect(page.GetByTestId("lb-empty")).ToBeVisibleAsync();

        // A bad filter value is named, not ignored.
        var bad = await board.Portal.Http.GetAsync(new Uri("/api/leaderboard.csv?experiment=xor-prelu&metric=loss%2Fprelu&review=Maybe", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("review", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Budget_view_plots_every_configuration_by_layer_count_with_the_pareto_front_as_a_step_line()
    {
        var page = await SignedInPageAsync("/leaderboard?experiment=external");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Budget view" }).ClickAsync();
        await page.WaitForURLAsync("**view=budget**");
        var byParameters = page.GetByTestId("budget-params");
        await Assertions.Expect(byParameters.GetByTestId("budget-point")).ToHaveCountAsync(BoardFixture.Configurations.Length);
        // Front (fewer parameters, lower loss): 1,000 → 0.50, 2,000 → 0.30 (2 layers beat 1 at equal budget), 8,000 → 0.21.
        var front = byParameters.GetByTestId("budget-pareto");
        await Assertions.Expect(front).ToHaveAttributeAsync("data-front-count", "3");
        Assert.Matches(@"^M [\d.]+ [\d.]+ H [\d.]+ V [\d.]+ H [\d.]+ V [\d.]+ H [\d.]+$", await front.GetAttributeAsync("d"));
        await Assertions.Expect(byParameters.Locator("[data-testid=budget-point][data-front=true]")).ToHaveCountAsync(3);
        await Assertions.Expect(byParameters.Locator("[data-testid=budget-point][data-layers='2'][data-front=true]")).ToHaveCountAsync(1);
        await Assertions.Expect(byParameters.Locator("[data-testid=budget-point][data-layers='1']")).ToHaveCountAsync(3);
        await Assertions.Expect(byParameters.GetByTestId("budget-legend")).ToHaveCountAsync(3); // 1, 2 and 4 layers
        // Hover names the configuration.
        var title = await byParameters.Locator("[data-testid=budget-point][data-layers='4'] title").TextContentAsync();
        Assert.Contains("d_model=32", title, StringComparison.Ordinal);
        // External runs have no steps × batch: the compute axis says it is wall-clock time.
        await Assertions.Expect(page.GetByTestId("budget-compute-definition")).ToContainTextAsync("wall-clock");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "leaderboard-budget.png"), FullPage = true });
    }

    [Fact]
    public async Task Compare_switches_the_x_axis_to_time_and_groups_runs_by_a_parameter_into_mean_and_band()
    {
        var ids = string.Join(',', board.RunIds);
        var page = await SignedInPageAsync($"/compare?runs={ids}&metric=loss");
        var chart = page.Locator("[data-testid=cmp-chart][data-state=ready]");
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-series-count", "10");
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-x-mode", "step");

        await page.GetByTestId("cmp-x").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "relative time (s)" }).ClickAsync();
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-x-mode", "relative");
        // The sent times are one second apart: the relative axis spans 19 s (x labels are seconds since the run started).
        await Assertions.Expect(page.Locator(".u-legend").First).ToContainTextAsync("seconds since the run started");

        await page.GetByTestId("cmp-x").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "wall time" }).ClickAsync();
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-x-mode", "wall");

        await page.GetByTestId("cmp-group").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "layers", Exact = true }).ClickAsync();
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-group-count", "3");
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-band-count", "3");
        await Assertions.Expect(page.Locator(".u-legend")).ToContainTextAsync("layers=1 mean (6 runs)");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "compare-grouped.png"), FullPage = true });
    }

    private string Url(string path) => new Uri(board.Portal.BaseAddress, path).ToString();

    private async Task<IPage> SignedInPageAsync(string path)
    {
        var context = await board.Chromium.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1500, Height = 1000 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync(Url(path));
        await page.WaitForURLAsync("**/account/signin**");
        await page.Locator("#email").FillAsync(PortalProcess.AdminEmail);
        await page.Locator("#password").FillAsync(PortalProcess.AdminPassword);
        await page.GetByTestId("signin-submit").ClickAsync();
        await page.WaitForURLAsync(u => !u.Contains("/account/signin", StringComparison.Ordinal));
        await WaitInteractiveAsync(page);
        return page;
    }

    /// <summary>Clicks do nothing on the prerendered page: wait until the circuit is connected.</summary>
    private static Task WaitInteractiveAsync(IPage page) =>
        page.Locator("[data-testid=circuit][data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
}
