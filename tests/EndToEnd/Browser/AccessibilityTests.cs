using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace LayerLab.Tests.EndToEnd.Browser;

/// <summary>
/// Issue #22: axe-core on every routed page, signed in, with runs, a sweep, comments, tags, a token and users present,
/// in the light and the dark theme at 1280 and 768 px. Any serious or critical violation fails; moderate and minor
/// ones are listed in the output. The page also may not scroll sideways, and each variant leaves a screenshot in
/// test-results/a11y/. Routes come from the portal's [Route] attributes, so a page added later is checked too.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed partial class AccessibilityTests(ITestOutputHelper output) : BrowserTestBase
{
    /// <summary>Routes with parameters (or a query) get a URL that shows data seeded below. A route not listed here
    /// gets "1" for each parameter (the first entity), and the output says so.</summary>
    private static readonly Dictionary<string, string[]> Samples = new(StringComparer.OrdinalIgnoreCase)
    {
        ["/runs/{Id:long}"] = ["/runs/1"],
        ["/sweeps/{Id:long}"] = ["/sweeps/1"],
        ["/submit/{Key}"] = ["/submit/xor-prelu"],
        ["/compare"] = ["/compare?runs=1,2,3,4"],
        ["/studies/{Id:long}"] = ["/studies/1"],
        // The built-in default text (registered on first start).
        ["/datasets/{Id:long}"] = ["/datasets/1"],
        // The default experiment has no runs here: show the seeded ones, as a table and as the budget charts.
        ["/leaderboard"] = ["/leaderboard?experiment=xor-prelu&review=any", "/leaderboard?experiment=xor-prelu&review=any&view=budget"],
    };

    /// <summary>Checked anonymously before signing in, not as a signed-in page (it redirects a signed-in visitor or
    /// shows the form again; either way it is the same markup).</summary>
    private const string SignInRoute = "/account/signin";

    private static string AxeScript => Path.Combine(RepoPaths.Root, "test-assets", "axe.min.js");

    [Fact]
    public async Task Every_routed_page_has_no_serious_or_critical_axe_violations_in_both_themes_and_fits_1280_and_768_px()
    {
        Assert.True(File.Exists(AxeScript), $"{AxeScript} is missing: run scripts/install-web-assets.sh (it copies axe-core from npm)");
        await SeedAsync();

        var routes = RoutedUrls(out var guessed);
        foreach (var note in guessed) output.WriteLine($"note: {note}");
        var screenshots = Path.Combine(RepoPaths.TestResults, "a11y");
        Directory.CreateDirectory(screenshots);

        var failures = new List<string>();
        var report = new StringBuilder();
        string? storageState = null;
        foreach (var (theme, width) in new[] { (ColorScheme.Light, 1280), (ColorScheme.Dark, 1280), (ColorScheme.Light, 768), (ColorScheme.Dark, 768) })
        {
            var variant = $"{(theme == ColorScheme.Dark ? "dark" : "light")}-{width}";
            await using var context = await Chromium.Browser.NewContextAsync(new BrowserNewContextOptions
            {
                ViewportSize = new ViewportSize { Width = width, Height = 900 },
                ColorScheme = theme,
                // The axe script is injected as a <script> element: a Content-Security-Policy must not block the check.
                BypassCSP = true,
                StorageState = storageState,
            });
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(30_000);
            page.Console += (_, message) => { lock (Console) Console.Add($"{message.Type}: {message.Text}"); };

            if (storageState is null)
            {
                // First variant: the sign-in form itself, anonymously, then sign in once and reuse the cookie.
                await page.GotoAsync(new Uri(Portal.BaseAddress, "/").ToString());
                await page.WaitForURLAsync("**/account/signin**");
                await CheckAsync(page, SignInRoute, variant, null, screenshots, failures, report);
                await page.Locator("#email").FillAsync(PortalProcess.AdminEmail);
                await page.Locator("#password").FillAsync(PortalProcess.AdminPassword);
                await page.GetByTestId("signin-submit").ClickAsync();
                await page.WaitForURLAsync(url => !url.Contains("/account/signin", StringComparison.Ordinal));
                storageState = await context.StorageStateAsync();
            }

            var themeName = theme == ColorScheme.Dark ? "dark" : "light";
            foreach (var url in routes)
            {
                await page.GotoAsync(new Uri(Portal.BaseAddress, url).ToString());
                await CheckAsync(page, url, variant, themeName, screenshots, failures, report);
            }
            if (width == 1280) await CheckStatesAsync(page, variant, themeName, screenshots, failures, report);
        }

        await File.WriteAllTextAsync(Path.Combine(screenshots, "axe-report.txt"), report.ToString());
        output.WriteLine(report.ToString());
        Assert.True(failures.Count == 0, $"{failures.Count} serious/critical axe violations or layout failures:\n{string.Join("\n", failures)}");
    }

    /// <summary>States that only appear after an action: the run form with a sweep editor open and the server's
    /// per-field errors (400) shown, the notifications open, a reply being written, ticked runs.</summary>
    private async Task CheckStatesAsync(IPage page, string variant, string theme, string screenshots, List<string> failures, StringBuilder report)
    {
        await page.GotoAsync(new Uri(Portal.BaseAddress, "/submit/xor-prelu").ToString());
        await SettleAsync(page);
        await page.GetByTestId("sweep-toggle-init_scale").ClickAsync();
        await page.Locator("#param-epochs").FillAsync("0");
        await page.Locator("#param-epochs").BlurAsync();
        await page.GetByTestId("sweep-toggle-init_scale").ClickAsync();
        await page.GetByTestId("submit-run").ClickAsync();
        await page.GetByTestId("submit-errors").WaitForAsync();
        await page.GetByTestId("sweep-toggle-optimizer").ClickAsync();
        await CheckAsync(page, "/submit/xor-prelu (errors, sweep editor)", variant, theme, screenshots, failures, report);

        await page.GotoAsync(new Uri(Portal.BaseAddress, "/runs/1").ToString());
        await SettleAsync(page);
        await page.GetByTestId("comment-reply").First.ClickAsync();
        await page.GetByTestId("notification-bell").ClickAsync();
        await page.GetByTestId("notifications-panel").WaitForAsync();
        await CheckAsync(page, "/runs/1 (notifications, reply)", variant, theme, screenshots, failures, report);

        await page.GotoAsync(new Uri(Portal.BaseAddress, "/").ToString());
        await SettleAsync(page);
        await page.Locator("tr.run-1 input[type=checkbox]").CheckAsync();
        await page.Locator("tr.run-2 input[type=checkbox]").CheckAsync();
        await Assertions.Expect(page.GetByTestId("compare-selected")).ToContainTextAsync("(2)");
        await CheckAsync(page, "/ (two ticked)", variant, theme, screenshots, failures, report);
    }

    /// <summary>Waits for the page to settle, runs axe, checks the page does not scroll sideways, takes a screenshot.</summary>
    private static async Task CheckAsync(IPage page, string url, string variant, string? theme, string screenshots, List<string> failures, StringBuilder report)
    {
        await SettleAsync(page);
        // No choice stored: interactive pages follow the system's light / dark preference.
        if (theme is not null && await page.Locator("[data-testid=circuit]").CountAsync() > 0)
        {
            var shown = await page.Locator("[data-testid=circuit]").GetAttributeAsync("data-theme");
            if (shown != theme) failures.Add($"[{variant}] {url}: theme {shown}, expected {theme} (the system preference)");
        }
        await page.AddScriptTagAsync(new PageAddScriptTagOptions { Path = AxeScript });
        var json = await page.EvaluateAsync<string>("""
            async () => {
              const result = await axe.run(document, { resultTypes: ['violations'] });
              return JSON.stringify(result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({ target: n.target.join(' '), summary: n.failureSummary })) })));
            }
            """);
        var violations = JsonSerializer.Deserialize<List<Violation>>(json, JsonOptions) ?? [];

        var serious = violations.Where(v => v.Impact is "serious" or "critical").ToList();
        report.AppendLine($"[{variant}] {url}: {serious.Sum(v => v.Nodes.Count)} serious/critical nodes in {serious.Count} rules");
        foreach (var v in violations.OrderBy(v => v.Impact is "critical" ? 0 : v.Impact is "serious" ? 1 : 2))
        {
            report.AppendLine($"    {v.Impact} {v.Id} ({v.Nodes.Count}): {v.Help}");
            foreach (var node in v.Nodes.Take(4)) report.AppendLine($"        {node.Target} — {OneLine(node.Summary)}");
        }
        foreach (var v in serious)
            failures.Add($"[{variant}] {url}: {v.Impact} {v.Id} ×{v.Nodes.Count} ({v.Help}) e.g. {v.Nodes[0].Target} — {OneLine(v.Nodes[0].Summary)}");

        // The page itself never scrolls sideways; wide tables scroll inside their own container.
        var (scrollWidth, clientWidth) = await page.EvaluateAsync<int[]>(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]") is [var s, var c] ? (s, c) : (0, 0);
        if (scrollWidth > clientWidth + 1)
        {
            // Name the widest elements that stick out, so the failure says where to look.
            var culprits = await page.EvaluateAsync<string[]>("""
                (limit) => [...document.querySelectorAll('body *')]
                  .map(e => ({ e, r: e.getBoundingClientRect().right }))
                  .filter(x => x.r > limit + 1 && x.e.getClientRects().length > 0)
                  .filter(x => !x.e.parentElement || x.e.parentElement.getBoundingClientRect().right <= limit + 1)
                  .slice(0, 5)
                  .map(x => `${x.e.tagName.toLowerCase()}.${[...x.e.classList].join('.')}[${x.e.dataset.testid ?? ''}] right=${Math.round(x.r)}`)
                """, clientWidth);
            failures.Add($"[{variant}] {url}: the page scrolls sideways ({scrollWidth} px of content in {clientWidth} px): {string.Join("; ", culprits)}");
            report.AppendLine($"    layout: page {scrollWidth} px wide in a {clientWidth} px window");
        }

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, $"{Slug(url)}-{variant}.png"), FullPage = true });
    }

    /// <summary>Interactive pages: the circuit is up and charts finished loading; then a beat for the last render.</summary>
    private static async Task SettleAsync(IPage page)
    {
        await page.WaitForLoadStateAsync(LoadState.Load);
        if (await page.Locator("[data-testid=circuit]").CountAsync() > 0)
        {
            await page.Locator("[data-testid=circuit][data-interactive=true]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
            // The theme is known once the browser said what it prefers.
            await page.Locator("[data-testid=circuit][data-theme=light], [data-testid=circuit][data-theme=dark]")
                .WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        }
        try
        {
            await page.WaitForFunctionAsync("() => !document.querySelector('[data-state=loading]')", null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        }
        catch (TimeoutException)
        {
            // A chart that never loads is another test's failure; check what is on screen.
        }
        await Task.Delay(500);
    }

    /// <summary>Every [Route] of the portal's components as a URL to open, sign-in excluded (checked anonymously).</summary>
    private static List<string> RoutedUrls(out List<string> guessed)
    {
        guessed = [];
        var templates = typeof(LayerLab.Web.Components.App).Assembly.GetTypes()
            .SelectMany(t => t.GetCustomAttributes<RouteAttribute>())
            .Select(a => a.Template)
            .Where(t => !string.Equals(t, SignInRoute, StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.Ordinal)
            .ToList();
        var urls = new List<string>();
        foreach (var template in templates)
        {
            if (Samples.TryGetValue(template, out var samples)) { urls.AddRange(samples); continue; }
            var url = RouteParameter().Replace(template, "1");
            if (url != template) guessed.Add($"{template} has no sample in {nameof(AccessibilityTests)}.{nameof(Samples)}; checked as {url}");
            urls.Add(url);
        }
        return urls;
    }

    /// <summary>Runs (a finished sweep of 4, a reviewed single run, an external run with metrics, one still training),
    /// comments with markdown and a mention, tags, a finished study, an API token and more users, so pages show their
    /// full markup.</summary>
    private async Task SeedAsync()
    {
        var http = Portal.Http;
        await http.CreateUserAsync("researcher@lab.test", "user-password-1", "Researcher");
        await http.CreateUserAsync("reviewer@lab.test", "user-password-1", "Reviewer");
        var researcher = await Portal.SignInAsync("researcher@lab.test", "user-password-1");
        var reviewer = await Portal.SignInAsync("reviewer@lab.test", "user-password-1");

        var (status, sweep) = await http.PostJsonAsync("/api/sweeps", new
        {
            experiment = "xor-prelu",
            parameters = new { trials = 5, lr_points = 3, epochs = 30 },
            sweep = new Dictionary<string, object> { ["init_scale"] = new { mode = "list", values = new[] { 0.5, 2 } } },
            seeds = 2,
        });
        Assert.True(status == System.Net.HttpStatusCode.Created, $"sweep: {status} {sweep}");
        var single = await researcher.SubmitAsync(new { trials = 5, epochs = 30, lr_points = 3 });
        for (var id = 1L; id <= single; id++) await http.WaitForStatusAsync(id, TimeSpan.FromMinutes(3), LabApi.FinishedStatuses);

        // Run 1 (a sweep run of the admin's): a discussion with markdown, a link and a mention, tags, a review.
        Assert.Equal(System.Net.HttpStatusCode.Created, (await reviewer.PostJsonAsync("/api/runs/1/comments",
            new { body = "Loss flattens early; see [the paper](https://arxiv.org/abs/1234.5678). **Bold** and `code`, @researcher@lab.test" })).Status);
        Assert.Equal(System.Net.HttpStatusCode.Created, (await http.PostJsonAsync("/api/runs/1/comments", new { body = "Re-running with more seeds." })).Status);
        using (var tags = await http.PutAsJsonAsync(new Uri("/api/runs/1/tags", UriKind.Relative), new { tags = new[] { "baseline", "xor" } }))
            Assert.True(tags.IsSuccessStatusCode, await tags.Content.ReadAsStringAsync());
        Assert.Equal(System.Net.HttpStatusCode.OK, (await reviewer.PostJsonAsync("/api/runs/1/review", new { state = "ChangesRequested", comment = "More seeds, please." })).Status);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await reviewer.PostJsonAsync($"/api/runs/{single}/review", new { state = "Approved" })).Status);

        // An external run with a metric history.
        var (created, external) = await http.PostJsonAsync("/api/runs/external", new { name = "laptop", parameters = new { lr = 0.01 } });
        Assert.True(created == System.Net.HttpStatusCode.Created, external.ToString());
        var externalId = external.GetProperty("id").GetInt64();
        var points = Enumerable.Range(0, 50).Select(step => new { key = "loss", step, value = 1.0 / (step + 1) }).ToArray();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.PostJsonAsync($"/api/runs/{externalId}/metrics", new { points })).Status);
        using (var done = await http.PutAsJsonAsync(new Uri($"/api/runs/{externalId}/status", UriKind.Relative), new { status = "Succeeded" }))
            Assert.True(done.IsSuccessStatusCode, await done.Content.ReadAsStringAsync());

        // A finished study (its figure with intervals, the verdict and the per-configuration table).
        var (studyStatus, study) = await http.PostJsonAsync("/api/studies", new
        {
            experiment = "xor-prelu",
            study = "success-vs-lr",
            overrides = new Dictionary<string, object> { ["trials"] = 5, ["lr_points"] = 3, ["epochs"] = 30, ["seeds"] = 2 },
        });
        Assert.True(studyStatus == System.Net.HttpStatusCode.Created, $"study: {studyStatus} {study}");
        var studyId = study.GetProperty("id").GetInt64();
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while ((await http.GetJsonAsync($"/api/studies/{studyId}")).GetProperty("progress").GetProperty("pending").GetInt32() > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the seeded study did not finish in 3 minutes");
            await Task.Delay(250);
        }

        await http.CreateTokenAsync("notebook", "read");

        // One run still training for the whole test (the queue page's running table, a live progress bar) and one
        // waiting behind it.
        var running = await http.SubmitAsync(new { trials = 1000, epochs = 100000 }, seed: 11);
        await http.WaitForStatusAsync(running, TimeSpan.FromMinutes(1), "Running");
        await http.SubmitAsync(new { trials = 5, epochs = 30, lr_points = 3 }, seed: 12);
    }

    private static string Slug(string url)
    {
        var slug = NotSlug().Replace(url.Trim('/'), "-").Trim('-');
        return slug.Length == 0 ? "runs" : slug;
    }

    private static string OneLine(string? text) => (text ?? "").ReplaceLineEndings(" ").Trim();

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };

    private sealed record Violation(string Id, string? Impact, string Help, List<ViolationNode> Nodes);
    private sealed record ViolationNode(string Target, string? Summary);

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();

    [GeneratedRegex(@"[^A-Za-z0-9]+")]
    private static partial Regex NotSlug();
}
