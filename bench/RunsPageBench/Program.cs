// The runs page (/) in headless Chromium at N runs: first render after the portal starts (cold), warm renders,
// an interactive re-render (tick a run's checkbox until the Compare button counts it) and a live update (an
// external run created over the API until its row shows on page 1). Starts the built portal as its own process
// (worker off) on a temporary SQLite file and bulk-inserts the runs into it.
//   dotnet build Portal.sln -c Release && dotnet run -c Release --project bench/RunsPageBench [-- --runs 5000]
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;

var runs = args.Length > 1 && args[0] == "--runs" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5_000;
const int Repeats = 5;
const int RunningPool = 300; // the newest runs are external and still running, so the bench can end them over the API
const string Email = "bench@lab.test", Password = "bench-password-1";
var root = FindRoot();
var folder = Directory.CreateTempSubdirectory("layerlab-runspage").FullName;
var file = Path.Combine(folder, "bench.db");
var port = FreePort();
var baseUrl = $"http://127.0.0.1:{port}";

// LAYERLAB_WEB_DLL: another build of the portal (to compare with an older runs page).
var webDll = Environment.GetEnvironmentVariable("LAYERLAB_WEB_DLL") ?? Path.Combine(root, "src", "Web", "bin", "Release", "net10.0", "LayerLab.Web.dll");
var info = new ProcessStartInfo("dotnet", [webDll, "--urls", baseUrl])
{
    WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
};
info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
info.Environment["LayerLab__Database"] = $"Data Source={file}";
info.Environment["LayerLab__Worker__Enabled"] = "false";
info.Environment["LayerLab__Admin__Email"] = Email;
info.Environment["LayerLab__Admin__Password"] = Password;
info.Environment["Logging__LogLevel__Default"] = "Warning";
using var portal = Process.Start(info) ?? throw new InvalidOperationException("could not start the portal");
portal.OutputDataReceived += (_, _) => { };
portal.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("portal: " + e.Data); };
portal.BeginOutputReadLine();
portal.BeginErrorReadLine();
var results = new List<(string What, string Value)>();
try
{
    await WaitHealthyAsync(baseUrl); // migrations have run: the schema exists
    var seed = Stopwatch.StartNew();
    await SeedAsync(file, runs);
    Console.WriteLine($"seeded {runs:N0} runs in {seed.Elapsed.TotalSeconds:F1} s");

    using var playwright = await Playwright.CreateAsync();
    await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = Environment.GetEnvironmentVariable("LAYERLAB_CHROMIUM") ?? "/usr/bin/chromium",
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
    });
    var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
    var page = await context.NewPageAsync();
    page.SetDefaultTimeout(180_000);

    // Sign in landing somewhere else, so the first visit of / below is the process's first render of the page.
    await page.GotoAsync($"{baseUrl}/account/signin?returnUrl=%2Fexperiments");
    await page.Locator("#email").FillAsync(Email);
    await page.Locator("#password").FillAsync(Password);
    await page.GetByTestId("signin-submit").ClickAsync();
    await page.WaitForURLAsync("**/experiments");

    var newest = $"tr.run-{runs}";
    async Task<double> OpenRunsPageAsync()
    {
        var watch = Stopwatch.StartNew();
        await page.GotoAsync($"{baseUrl}/");
        await page.Locator("[data-testid=circuit][data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.Locator(newest).WaitForAsync();
        return watch.Elapsed.TotalMilliseconds;
    }
    results.Add(("first render of / after start (cold: JIT, prerender + interactive)", $"{await OpenRunsPageAsync():N0} ms"));
    var warm = new List<double>();
    for (var i = 0; i < Repeats; i++) warm.Add(await OpenRunsPageAsync());
    results.Add(($"warm render of / (navigation → interactive, median of {Repeats})", Summary(warm)));
    results.Add(("rows in the page's DOM", (await page.Locator("tr.run-row").CountAsync()).ToString(CultureInfo.InvariantCulture)));

    var tick = new List<double>();
    var checkbox = page.Locator($"{newest} input[type=checkbox]");
    var compare = page.GetByTestId("compare-selected");
    for (var i = 0; i < Repeats; i++)
    {
        var watch = Stopwatch.StartNew();
        await checkbox.ClickAsync();
        await Assertions.Expect(compare).ToContainTextAsync("(1)", new() { Timeout = 180_000 });
        tick.Add(watch.Elapsed.TotalMilliseconds);
        await checkbox.ClickAsync();
        await Assertions.Expect(compare).Not.ToContainTextAsync("(1)", new() { Timeout = 180_000 });
    }
    results.Add(($"tick a run → Compare (1) (interactive re-render, median of {Repeats})", Summary(tick)));

    // The sweep case: run updates stream in (the newest runs, on screen, end one after another) while someone ticks a run.
    using (var stop = new CancellationTokenSource())
    {
        var updates = 0;
        var stream = Task.Run(async () =>
        {
            // End the newest running external runs one after another (each one a RunUpdated), never the ticked one.
            for (var id = runs - 1; id > runs - RunningPool && !stop.IsCancellationRequested; id--)
            {
                var ended = await context.APIRequest.PutAsync($"{baseUrl}/api/runs/{id}/status", new() { DataObject = new { status = "Succeeded" } });
                if (ended.Status != 200) throw new InvalidOperationException($"end run {id}: {ended.Status} {await ended.TextAsync()}");
                Interlocked.Increment(ref updates);
                await Task.Delay(40);
            }
        });
        await Task.Delay(2_000);
        var busy = new List<double>();
        var watchAll = Stopwatch.StartNew();
        var before = Volatile.Read(ref updates);
        var steady = checkbox;
        string? lost = null;
        for (var i = 0; i < Repeats && lost is null; i++)
        {
            var watch = Stopwatch.StartNew();
            try
            {
                await steady.ClickAsync(new() { Timeout = 60_000 });
                await Assertions.Expect(compare).ToContainTextAsync("(1)", new() { Timeout = 60_000 });
                busy.Add(watch.Elapsed.TotalMilliseconds);
                await steady.ClickAsync(new() { Timeout = 60_000 });
                await Assertions.Expect(compare).Not.ToContainTextAsync("(1)", new() { Timeout = 60_000 });
            }
            catch (Exception e) when (e is PlaywrightException or TimeoutException)
            {
                lost = $"tick {i + 1} not shown within 60 s";
            }
        }
        var rate = (Volatile.Read(ref updates) - before) / watchAll.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await stream;
        results.Add(($"tick a run while run updates stream in ({rate:F0} updates/s) (median of {Repeats})",
            lost is null ? Summary(busy) : busy.Count > 0 ? $"{lost}; before that {Summary(busy)}" : lost));
    }

    var live = new List<double>();
    for (var i = 0; i < Repeats; i++)
    {
        var watch = Stopwatch.StartNew();
        var response = await context.APIRequest.PostAsync($"{baseUrl}/api/runs/external", new() { DataObject = new { name = $"bench-live-{i}" } });
        if (response.Status != 201) throw new InvalidOperationException($"external run: {response.Status} {await response.TextAsync()}");
        var id = (await response.JsonAsync())!.Value.GetProperty("id").GetInt64();
        await page.Locator($"tr.run-{id}").WaitForAsync();
        live.Add(watch.Elapsed.TotalMilliseconds);
    }
    results.Add(($"live update: external run created over the API → its row on the open page (median of {Repeats})", Summary(live)));
}
finally
{
    portal.Kill(entireProcessTree: true);
    await portal.WaitForExitAsync();
    SqliteConnection.ClearAllPools();
    Directory.Delete(folder, recursive: true);
}

Console.WriteLine();
Console.WriteLine($"| runs page at {runs:N0} runs | measured |");
Console.WriteLine("| --- | --- |");
foreach (var (what, value) in results) Console.WriteLine($"| {what} | {value} |");

static string Summary(List<double> times)
{
    times.Sort();
    return $"{times[times.Count / 2]:N0} ms ({times[0]:N0}–{times[^1]:N0})";
}

static async Task WaitHealthyAsync(string baseUrl)
{
    using var http = new HttpClient();
    var watch = Stopwatch.StartNew();
    while (watch.Elapsed < TimeSpan.FromSeconds(120))
    {
        try
        {
            using var response = await http.GetAsync(new Uri($"{baseUrl}/health"));
            if (response.StatusCode == HttpStatusCode.OK) return;
        }
        catch (HttpRequestException) { /* not listening yet */ }
        await Task.Delay(200);
    }
    throw new TimeoutException("portal not healthy");
}

// Finished catalog runs with a realistic summary, a few external; the newest 300 are external runs still running.
static async Task SeedAsync(string file, int runs)
{
    await using var connection = new SqliteConnection($"Data Source={file}");
    await connection.OpenAsync();
    await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync();
    var run = connection.CreateCommand();
    run.Transaction = tx;
    run.CommandText = """
        INSERT INTO Runs (Id, ExperimentKey, ParametersJson, Seed, Status, Progress, QueuedAt, StartedAt, FinishedAt, Attempt,
                          CancelRequested, Source, Device, Worker, SubmittedBy, SummaryJson, ReviewState, Name)
        VALUES ($id, $key, $params, $seed, $status, 1, $t, $t, $t2, 1, 0, $source, 'cpu', 'bench:1', 'bench', $summary, 'Unreviewed', $name)
        """;
    foreach (var name in new[] { "$id", "$key", "$params", "$seed", "$status", "$t", "$t2", "$source", "$summary", "$name" })
        run.Parameters.Add(new SqliteParameter(name, null));
    var now = DateTimeOffset.UtcNow.UtcTicks;
    string[] statuses = ["Succeeded", "Succeeded", "Succeeded", "Failed", "Cancelled"];
    for (var id = 1; id <= runs; id++)
    {
        var running = id > runs - 300;
        var external = running || id % 50 == 0;
        run.Parameters[0].Value = id;
        run.Parameters[1].Value = external ? "external" : id % 3 == 0 ? "icl-linreg" : "xor-prelu";
        run.Parameters[2].Value = $$"""{"lr_min":0.001,"lr_max":1,"lr_points":13,"epochs":{{300 + (id % 1000)}},"trials":100}""";
        run.Parameters[3].Value = id % 100;
        run.Parameters[4].Value = running ? "Running" : statuses[id % statuses.Length];
        run.Parameters[5].Value = now - ((runs - id) * 10_000_000L);
        run.Parameters[6].Value = running ? DBNull.Value : now - ((runs - id) * 10_000_000L) + 20_000_000L;
        run.Parameters[7].Value = external ? "External" : "Catalog";
        run.Parameters[8].Value = $$"""{"band_decades/prelu":{{id % 7 * 0.3}},"param_count":3,"loss/prelu":0.01}""";
        run.Parameters[9].Value = external ? $"external-{id}" : DBNull.Value;
        await run.ExecuteNonQueryAsync();
    }
    await tx.CommitAsync();
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "Portal.sln"))) return dir.FullName;
    throw new InvalidOperationException("Portal.sln not found above " + AppContext.BaseDirectory);
}
