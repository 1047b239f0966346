using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LayerLab.Data;
using LayerLab.Data.Metrics;
using LayerLab.Data.Runs;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace LayerLab.Tests.EndToEnd.Browser;

/// <summary>
/// The Datasets pages in headless Chromium (issue #18): a file chosen with the picker (and one dropped on the zone,
/// and the zone opening the picker from the keyboard), the API's per-field 400 and its 413 shown on the form, an
/// upload whose progress reaches done and whose row appears with the file's SHA-256, the detail page's preview
/// numbers for a known text, a delete refused (409) while a run uses the version, and the run page's link to it.
/// The worker is off, so the run stays queued.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class DatasetBrowserTests : BrowserTestBase
{
    private const int MaxBytes = 4096;

    protected override IDictionary<string, string>? PortalSettings => new Dictionary<string, string>
    {
        ["LayerLab__Worker__Enabled"] = "false",
        ["LayerLab__Datasets__MaxBytes"] = MaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["LayerLab__Datasets__DefaultTextPath"] = "/nonexistent/kjv.txt", // the small generated fallback: a quick start
    };

    // Two-byte characters (é, ö) make bytes and characters differ; every line ends with a newline.
    private const string Text = "héllo wörld\nthe second line\n\nfourth, after an empty one\n";

    [Fact]
    public async Task Upload_with_the_picker_shows_errors_progress_the_new_row_the_preview_and_the_run_link()
    {
        try
        {
            await UploadPreviewAndLinkAsync();
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException)
        {
            throw new InvalidOperationException($"{e.Message}\nconsole:\n{string.Join("\n", Console)}\nportal:\n{Portal.Log}", e);
        }
    }

    private async Task UploadPreviewAndLinkAsync()
    {
        // The axe script is injected as a <script> element: the Content-Security-Policy must not block the check.
        var context = await Chromium.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 }, BypassCSP = true });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        page.Console += (_, message) => { lock (Console) Console.Add($"{message.Type}: {message.Text}"); };
        await SignInAsync(page, "/datasets");
        await WaitInteractiveAsync(page);
        var rowsBefore = await page.GetByTestId("dataset-row").CountAsync();
        var drop = page.GetByTestId("dataset-drop");
        await Expect(drop).ToHaveAttributeAsync("data-attached", "true"); // its script is wired

        // The zone is a button: Enter opens the file picker.
        var chooser = await page.RunAndWaitForFileChooserAsync(async () => { await drop.FocusAsync(); await page.Keyboard.PressAsync("Enter"); });
        Assert.False(chooser.IsMultiple);
        // A dropped file is chosen like a picked one.
        var dataTransfer = await page.EvaluateHandleAsync(
            "() => { const dt = new DataTransfer(); dt.items.add(new File(['dropped\\n'], 'dropped.txt', { type: 'text/plain' })); return dt; }");
        await drop.DispatchEventAsync("drop", new { dataTransfer });
        await Expect(drop).ToContainTextAsync("dropped.txt");

        var bytes = Encoding.UTF8.GetBytes(Text);
        await page.GetByTestId("dataset-file").SetInputFilesAsync(new FilePayload { Name = "greeting.txt", MimeType = "text/plain", Buffer = bytes });
        await Expect(drop).ToContainTextAsync("greeting.txt");
        await Expect(page.Locator("#dataset-name")).ToHaveValueAsync("greeting");

        // No licence: the API's 400 names the field, and the form shows it under the field. Nothing is stored.
        await page.Locator("#dataset-source").FillAsync("written for the browser test");
        await page.GetByTestId("dataset-upload").ClickAsync();
        await Expect(FieldHelp(page, "dataset-licence")).ToContainTextAsync("licence is required.");
        await Expect(page.Locator("#dataset-licence")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.GetByTestId("dataset-row")).ToHaveCountAsync(rowsBefore);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "datasets-field-error.png"), FullPage = true });
        await AssertNoSeriousAxeViolationsAsync(page, "/datasets with a field error");

        await page.Locator("#dataset-licence").FillAsync("CC0-1.0");
        await page.GetByTestId("dataset-upload").ClickAsync();
        await Expect(page.GetByTestId("dataset-progress")).ToHaveAttributeAsync("data-percent", "100");
        await Expect(page.GetByTestId("dataset-progress-text")).ToHaveTextAsync("Upload complete.");
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var row = page.Locator($"[data-testid=dataset-row][data-sha256='{sha}']");
        await Expect(row).ToContainTextAsync("greeting");
        await Expect(row).ToContainTextAsync("v1");
        await Expect(row).ToContainTextAsync("CC0-1.0");
        await Expect(row.GetByTestId("dataset-sha")).ToHaveTextAsync(sha[..12]);
        await Expect(page.GetByTestId("dataset-row")).ToHaveCountAsync(rowsBefore + 1);
        await Expect(FieldHelp(page, "dataset-licence")).Not.ToContainTextAsync("required");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "datasets-page.png"), FullPage = true });

        // Past the size limit: the 413 and its number.
        await page.GetByTestId("dataset-file").SetInputFilesAsync(new FilePayload
        {
            Name = "big.txt", MimeType = "text/plain", Buffer = Enumerable.Repeat((byte)'a', MaxBytes + 1).ToArray(),
        });
        await page.GetByTestId("dataset-upload").ClickAsync();
        await Expect(page.GetByTestId("dataset-upload-problem")).ToContainTextAsync("413");
        await Expect(page.GetByTestId("dataset-upload-problem")).ToContainTextAsync(MaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // The detail page: the preview of the known text.
        var id = long.Parse(await row.GetAttributeAsync("data-dataset-id") ?? "", System.Globalization.CultureInfo.InvariantCulture);
        await row.GetByRole(AriaRole.Link, new() { Name = "greeting" }).ClickAsync();
        await page.WaitForURLAsync($"**/datasets/{id}");
        await Expect(page.GetByTestId("dataset-title")).ToHaveTextAsync("greeting v1");
        await Expect(page.GetByTestId("dataset-sha256")).ToHaveTextAsync(sha);
        var preview = await TableAsync(page, "dataset-preview");
        Assert.Equal($"{bytes.Length} bytes ({bytes.Length} B)", preview["size"]);
        Assert.Equal(Text.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), preview["characters"]);
        Assert.Equal("4", preview["lines"]);
        Assert.Equal(Text.Distinct().Count().ToString(System.Globalization.CultureInfo.InvariantCulture), preview["distinct characters"]);
        Assert.Equal(bytes.Distinct().Count().ToString(System.Globalization.CultureInfo.InvariantCulture), preview["distinct bytes"]);
        Assert.Equal(bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), preview["tokens (byte tokenizer)"]);
        Assert.Equal(Text.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), preview["tokens (character tokenizer)"]);
        Assert.Equal("héllo wörld\nthe second line\n\nfourth, after an empty one", await page.GetByTestId("dataset-first-lines").InnerTextAsync());

        // A queued run on it: the page lists it, and a delete is refused with the reason.
        var (status, run) = await Portal.Http.PostJsonAsync("/api/runs", new { experiment = "tiny-lm", parameters = new { dataset = id, steps = 1 } });
        Assert.True(status == System.Net.HttpStatusCode.Created, run.ToString());
        var runId = run.GetProperty("id").GetInt64();
        await page.ReloadAsync();
        await WaitInteractiveAsync(page);
        await Expect(page.GetByTestId("dataset-runs")).ToContainTextAsync($"#{runId}");
        await page.GetByTestId("dataset-delete").ClickAsync();
        await page.GetByTestId("dataset-delete-confirm").ClickAsync();
        await Expect(page.GetByTestId("dataset-delete-problem")).ToContainTextAsync("409");
        await Expect(page.GetByTestId("dataset-delete-problem")).ToContainTextAsync("queued or running run uses this version");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "dataset-detail.png"), FullPage = true });
        await AssertNoSeriousAxeViolationsAsync(page, $"/datasets/{id} with the 409");

        // The run page names the dataset and links it.
        await page.GotoAsync(new Uri(Portal.BaseAddress, $"/runs/{runId}").ToString());
        await WaitInteractiveAsync(page);
        var link = page.GetByTestId("run-dataset-link");
        await Expect(link).ToHaveTextAsync("greeting v1");
        await Expect(page.GetByTestId("run-dataset")).ToContainTextAsync(sha[..12]);
        await page.GetByTestId("run-dataset").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "run-dataset-link.png") });
        await link.ClickAsync();
        await page.WaitForURLAsync($"**/datasets/{id}");
        // The leaderboard: runs on the upload (2) and on the built-in text (1, better-looking) are never ranked together;
        // the most used hash is shown by default, the other on request.
        var builtInSha = await AddFinishedRunsAsync(id, sha);
        await page.GotoAsync(new Uri(Portal.BaseAddress, "/leaderboard?experiment=tiny-lm&review=any").ToString());
        await WaitInteractiveAsync(page);
        await Expect(page.GetByTestId("lb-dataset-shown")).ToContainTextAsync(sha[..12]);
        await Expect(page.GetByTestId("lb-dataset-shown")).ToContainTextAsync("greeting v1");
        await Expect(page.GetByTestId("lb-row")).ToHaveCountAsync(2);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "leaderboard-dataset.png"), FullPage = true });
        await page.GotoAsync(new Uri(Portal.BaseAddress, $"/leaderboard?experiment=tiny-lm&review=any&dataset={builtInSha}").ToString());
        await Expect(page.GetByTestId("lb-dataset-shown")).ToContainTextAsync(builtInSha[..12]);
        await Expect(page.GetByTestId("lb-row")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("lb-csv")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex($"dataset={builtInSha}"));

        // The refused uploads (400, 413) are logged by the browser; nothing else may be.
        Assert.True(Console.All(line => !line.StartsWith("error", StringComparison.Ordinal) || line.Contains("Failed to load resource", StringComparison.Ordinal)),
            string.Join("\n", Console));
    }

    /// <summary>Finished tiny-lm runs as a worker leaves them: two on the upload, one on the built-in text. Returns the
    /// built-in text's hash.</summary>
    private async Task<string> AddFinishedRunsAsync(long uploadId, string uploadSha)
    {
        await using var db = new LabDbContext(new DbContextOptionsBuilder<LabDbContext>().UseSqlite($"Data Source={Db.FilePath}").Options);
        var builtIn = await db.Datasets.SingleAsync(d => d.BuiltIn);
        var now = DateTimeOffset.UtcNow;
        foreach (var (datasetId, datasetSha, layers, bpt) in new[] { (uploadId, uploadSha, 1, 2.0), (uploadId, uploadSha, 2, 2.4), (builtIn.Id, builtIn.Sha256, 1, 1.0) })
        {
            var run = new Run
            {
                ExperimentKey = "tiny-lm", ParametersJson = $"{{\"dataset\":{datasetId},\"layers\":{layers}}}", Status = RunStatus.Succeeded,
                QueuedAt = now, StartedAt = now, FinishedAt = now, DatasetId = datasetId, DatasetSha256 = datasetSha,
            };
            db.Runs.Add(run);
            await db.SaveChangesAsync();
            db.LatestMetrics.Add(new LatestMetric { RunId = run.Id, Key = "test_bpt", Step = 1, Value = bpt, Min = bpt, Max = bpt });
            await db.SaveChangesAsync();
        }
        return builtIn.Sha256;
    }

    /// <summary>axe-core's serious and critical violations (the bar of <see cref="AccessibilityTests"/>, which also
    /// checks these routes in both themes and two widths).</summary>
    private static async Task AssertNoSeriousAxeViolationsAsync(IPage page, string what)
    {
        await page.AddScriptTagAsync(new PageAddScriptTagOptions { Path = Path.Combine(RepoPaths.Root, "test-assets", "axe.min.js") });
        var found = await page.EvaluateAsync<string[]>("""
            async () => (await axe.run(document, { resultTypes: ['violations'] })).violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => `${v.id}: ${v.help} (${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join('; ')})`)
            """);
        Assert.True(found.Length == 0, $"{what}:\n{string.Join("\n", found)}");
    }

    /// <summary>The helper / error text under a MudTextField, found from its input's id.</summary>
    private static ILocator FieldHelp(IPage page, string inputId) =>
        page.Locator(".mud-input-control", new() { Has = page.Locator($"#{inputId}") }).Locator(".mud-input-helper-text");

    private static async Task<Dictionary<string, string>> TableAsync(IPage page, string testId)
    {
        var json = await page.GetByTestId(testId).Locator("tr").EvaluateAllAsync<string>(
            "rows => JSON.stringify(Object.fromEntries(rows.map(r => [r.cells[0].innerText.trim(), r.cells[1].innerText.trim()])))");
        return JsonSerializer.Deserialize<Dictionary<string, string>>(json)!;
    }

    private static Task WaitInteractiveAsync(IPage page) =>
        page.Locator("[data-testid=circuit][data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);
}
