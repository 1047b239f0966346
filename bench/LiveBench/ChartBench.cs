using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Playwright;

namespace LayerLab.Bench.Live;

/// <summary>
/// The compare chart's first paint, end to end: the real portal process (src/Web's Release build) on a temporary
/// SQLite file seeded through the real ingestion API with <c>runs</c> external runs × <c>points</c> points of "loss"
/// (with report times, and a spike of 50 at one step per run), then marked Succeeded, the real wwwroot/js/compare-chart.js (+ the modules it imports) +
/// uPlot served by that portal, in headless Chromium (/usr/bin/chromium) signed in as the admin. The page is the
/// portal's origin (a route fulfilled by Playwright holds only the chart div and the module imports), so the chart
/// fetches GET /api/compare/metrics exactly as the compare page does. Timed inside the page with performance.now():
/// mount → data-state "ready" → next animation frame (painted); the request's resource timing (first byte, body
/// received) and the chart's own 'compare:*' marks split that up; then a drag-zoom → re-sampled chart painted.
/// Besides wall time, the CPU time that the portal and Chromium spent from mount to paint (all processes below this
/// one, from /proc): on a machine shared with other work, that part does not grow with the load.
/// <para>
/// Before/after in one run: <c>--before-js DIR</c> (the wwwroot/js modules of the old commit, served in
/// place of the portal's) and <c>--before-portal DLL</c> (the old portal build, a second process seeded alike) make a
/// "before" variant measured alternately with the current one (ABBA order), so load changes hit both alike.
/// </para>
/// </summary>
public static class ChartBench
{
    private const string Key = "loss";
    private const double Spike = 50;

    private sealed record Variant(string Name, Portal Portal, IReadOnlyList<long> RunIds, string? JsDir);

    public static async Task RunAsync(int runs, int points, int repeats, string label, string? beforePortalDll, string? beforeJsDir)
    {
        var loadAtStart = Stats.LoadAverage();
        await using var portal = await Portal.StartAsync(worker: false);
        var variants = new List<Variant> { new("current", portal, await SeedAsync(portal, runs, points), null) };
        Portal? beforePortal = null;
        try
        {
            if (beforeJsDir is not null || beforePortalDll is not null)
            {
                beforePortal = beforePortalDll is null ? null : await Portal.StartAsync(worker: false, beforePortalDll);
                var p = beforePortal ?? portal;
                variants.Insert(0, new("before", p, beforePortal is null ? variants[0].RunIds : await SeedAsync(p, runs, points), beforeJsDir));
            }
            await MeasureAsync(variants, runs, points, repeats, label, loadAtStart);
        }
        finally
        {
            if (beforePortal is not null) await beforePortal.DisposeAsync();
        }
    }

    private static async Task MeasureAsync(List<Variant> variants, int runs, int points, int repeats, string label, string loadAtStart)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("LAYERLAB_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
        var results = variants.ToDictionary(v => v.Name, _ => new List<Dictionary<string, double>>());
        for (var i = 0; i < repeats + 1; i++)
        {
            // ABBA: alternate which variant goes first, so a trend in the machine's load hits both alike.
            var order = i % 2 == 0 ? variants : Enumerable.Reverse(variants).ToList();
            foreach (var v in order)
            {
                // The last current page is kept as a picture of what was measured (test-results/, not committed).
                var shot = i == repeats && v.JsDir is null ? Path.Combine(Portal.Root, "test-results", $"chart-bench-{runs}x{points}.png") : null;
                var r = await MeasureOnceAsync(browser, v, shot);
                (r["serverMs"], r["serverCpuMs"]) = await ServerTimeAsync(v);
                if (i == 0) continue; // the first round warms Chromium, the portals' JIT and SQLite's page cache
                results[v.Name].Add(r);
                Console.Error.WriteLine(
                    $"chart {v.Name} {runs}×{points}: painted {Stats.F(r["paintMs"])} ms, {Stats.F(r["cpuMs"], 0)} CPU ms (first byte {Stats.F(r["ttfbMs"])}, body {Stats.F(r["bodyMs"])}, " +
                    $"received {Stats.F(r["receivedMs"])}, projected {Stats.F(r["projectedMs"])}, built {Stats.F(r["builtMs"])}, drawn {Stats.F(r["drawnMs"])}, " +
                    $"ready {Stats.F(r["readyMs"])}), {Stats.F(r["bytes"] / 1e6)} MB, in-page fetch alone {Stats.F(r["fetchAloneMs"])} ms ({Stats.F(r["fetchAloneCpuMs"], 0)} CPU ms), API alone from .NET {Stats.F(r["serverMs"])} ms ({Stats.F(r["serverCpuMs"], 0)} ms portal CPU), zoom {Stats.F(r["zoomMs"])} ms, " +
                    $"points {r["points"]}, drawn y max {r["yMax"]}; load {Stats.LoadAverage()}");
                if (r["points"] != (double)runs * points || r["zoomed"] != 1)
                    throw new InvalidOperationException($"chart check failed ({v.Name}): {r["points"]} points held, zoomed {r["zoomed"]}");
                if (v.JsDir is null && r["yMax"] < Spike) throw new InvalidOperationException($"chart check failed: the spike of {Spike} was not drawn (y max {r["yMax"]})");
            }
        }
        foreach (var v in variants)
        {
            var list = results[v.Name];
            double Med(string k) => Stats.Median(list.Select(r => r[k]));
            Stats.Emit(new
            {
                bench = "chart_render", label, variant = v.Name, runs, points, repeats,
                first_paint_ms = Med("paintMs"), first_paint_min_ms = list.Min(r => r["paintMs"]), first_paint_max_ms = list.Max(r => r["paintMs"]),
                cpu_ms = Med("cpuMs"), cpu_min_ms = list.Min(r => r["cpuMs"]), cpu_max_ms = list.Max(r => r["cpuMs"]),
                first_byte_ms = Med("ttfbMs"), body_received_ms = Med("bodyMs"), decoded_ms = Med("receivedMs"), projected_ms = Med("projectedMs"),
                built_ms = Med("builtMs"), drawn_ms = Med("drawnMs"), ready_ms = Med("readyMs"), response_mb = Med("bytes") / 1e6,
                fetch_alone_ms = Med("fetchAloneMs"), fetch_alone_cpu_ms = Med("fetchAloneCpuMs"), api_alone_ms = Med("serverMs"), api_portal_cpu_ms = Med("serverCpuMs"), zoom_ms = Med("zoomMs"), zoom_max_ms = list.Max(r => r["zoomMs"]),
                points_held = list[0]["points"], spike_drawn = v.JsDir is null ? list.All(r => r["yMax"] >= Spike) : (bool?)null,
                load_start = loadAtStart, load = Stats.LoadAverage(),
            });
        }
    }

    private static async Task<Dictionary<string, double>> MeasureOnceAsync(IBrowser browser, Variant v, string? screenshot)
    {
        // A fresh context each time: nothing cached in JS or HTTP between repeats.
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var origin = v.Portal.BaseAddress.ToString().TrimEnd('/');
        await context.AddCookiesAsync(v.Portal.AdminCookies.Select(c => new Microsoft.Playwright.Cookie { Name = c.Name, Value = c.Value, Url = origin + "/" }));
        var page = await context.NewPageAsync();
        page.Console += (_, m) => { if (m.Type is "error" or "warning") Console.Error.WriteLine($"[page {v.Name}] {m.Text}"); };
        await page.RouteAsync(origin + "/bench/chart.html", route => route.FulfillAsync(new RouteFulfillOptions { Body = Page, ContentType = "text/html" }));
        if (v.JsDir is { } dir)
            // Every module of the old commit: compare-chart.js imports run-chart.js before the split (issue #14),
            // chart-data.js, chart-theme.js and chart-summary.js after it.
            foreach (var path in Directory.GetFiles(dir, "*.js"))
            {
                var file = Path.GetFileName(path);
                var body = await File.ReadAllTextAsync(path);
                await page.RouteAsync(origin + "/js/" + file, route => route.FulfillAsync(new RouteFulfillOptions { Body = body, ContentType = "text/javascript" }));
            }
        await page.GotoAsync(origin + "/bench/chart.html");
        await page.WaitForFunctionAsync("() => window.benchReady === true");
        await page.UnrouteAllAsync(); // the page and its modules are loaded: the API request goes out unintercepted
        var cpu = Stats.DescendantsCpuSeconds(Environment.ProcessId);
        var r = await page.EvaluateAsync<Dictionary<string, double>>(MeasureScript, new { ids = v.RunIds });
        r["cpuMs"] = (Stats.DescendantsCpuSeconds(Environment.ProcessId) - cpu) * 1000; // portal + Chromium, mount → painted
        // The same request alone in this page (binary or JSON as the variant's module asks): Chromium's share of the transfer.
        cpu = Stats.DescendantsCpuSeconds(Environment.ProcessId);
        var fetchMs = await page.EvaluateAsync<double>(FetchScript, new { url = ApiUrl(v) });
        r["fetchAloneMs"] = fetchMs;
        r["fetchAloneCpuMs"] = (Stats.DescendantsCpuSeconds(Environment.ProcessId) - cpu) * 1000;
        // Drag across the middle tenth of the plot: compare-chart re-samples that window at full resolution.
        if (await page.Locator("#chart .u-over").CountAsync() == 0)
            throw new InvalidOperationException($"no chart drawn ({v.Name}): " + await page.Locator("#chart").EvaluateAsync<string>("e => e.outerHTML.slice(0, 500)"));
        var box = (await page.Locator("#chart .u-over").BoundingBoxAsync())!;
        var y = box.Y + (box.Height / 2f);
        await page.Mouse.MoveAsync(box.X + (box.Width * 0.45f), y);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(box.X + (box.Width * 0.55f), y, new MouseMoveOptions { Steps = 4 });
        await page.Mouse.UpAsync();
        var zoom = await page.EvaluateAsync<Dictionary<string, double>>(ZoomScript);
        r["zoomMs"] = zoom["zoomMs"];
        r["zoomed"] = zoom["zoomed"];
        if (screenshot is not null)
        {
            await page.EvaluateAsync("() => document.querySelector('#chart .u-over').dispatchEvent(new MouseEvent('dblclick'))"); // back to the overview
            await page.WaitForTimeoutAsync(300);
            Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        }
        return r;
    }

    /// <summary>
    /// The same request from .NET (full body read), for the server's share: SQLite read + encoding + loopback, in wall
    /// time and in CPU time of the portal process (10 ms resolution; less sensitive to a loaded machine than wall time).
    /// </summary>
    private static async Task<(double WallMs, double CpuMs)> ServerTimeAsync(Variant v)
    {
        var url = ApiUrl(v);
        var cpu = Stats.CpuSeconds(v.Portal.Pid);
        var watch = Stopwatch.StartNew();
        var bytes = await v.Portal.Admin.GetByteArrayAsync(new Uri(url, UriKind.Relative));
        var wall = watch.Elapsed.TotalMilliseconds;
        return (bytes.Length > 0 ? wall : double.NaN, (Stats.CpuSeconds(v.Portal.Pid) - cpu) * 1000);
    }

    private static string ApiUrl(Variant v) =>
        $"/api/compare/metrics?runs={string.Join(',', v.RunIds)}&key={Key}" + (v.JsDir is null ? "&format=bin&times=false" : "");

    private const string FetchScript = """
        async ({ url }) => { const t0 = performance.now(); const r = await fetch(url, { credentials: 'same-origin' }); await r.arrayBuffer(); return performance.now() - t0; }
        """;

    // Runs in the page: mount, wait for ready, wait one frame. NaN where a mark is missing (the old module has none).
    private const string MeasureScript = """
        async ({ ids }) => {
          const el = document.getElementById('chart');
          const list = ids.map((id, i) => ({ runId: id, label: `run ${i + 1}` }));
          const frame = () => new Promise((res) => requestAnimationFrame(() => setTimeout(res, 0)));
          performance.clearMarks();
          performance.clearResourceTimings();
          const t0 = performance.now();
          window.cc.mountCompareChart(el, list, 'loss', { height: 380 });
          await new Promise((res) => { const obs = new MutationObserver(() => { if (el.getAttribute('data-state') !== 'loading') { obs.disconnect(); res(); } }); obs.observe(el, { attributes: true }); });
          const tReady = performance.now();
          await frame();
          const tPaint = performance.now();
          if (el.getAttribute('data-state') !== 'ready') throw new Error('chart: ' + el.textContent);
          const api = performance.getEntriesByType('resource').find((e) => e.name.includes('/api/compare/metrics'));
          const mark = (name) => { const m = performance.getEntriesByName(name)[0]; return m ? m.startTime - t0 : NaN; };

          // Zoom is a real mouse drag from Playwright (below); note when its mouseup arrives, before uPlot sees it.
          window.__before = el.querySelector('.uplot');
          document.addEventListener('mouseup', () => { window.__mouseUp = performance.now(); }, { capture: true, once: true });
          return { ttfbMs: api ? api.responseStart - t0 : NaN, bodyMs: api ? api.responseEnd - t0 : NaN, bytes: api ? api.encodedBodySize : NaN,
                   receivedMs: mark('compare:received'), projectedMs: mark('compare:projected'), builtMs: mark('compare:built'), drawnMs: mark('compare:drawn'),
                   readyMs: tReady - t0, paintMs: tPaint - t0,
                   points: Number(el.getAttribute('data-point-count')), yMax: Number(el.getAttribute('data-y-max') ?? 'NaN') };
        }
        """;

    // After the drag: wait until the chart was rebuilt (a new uPlot element), then one frame; time from the mouseup.
    private const string ZoomScript = """
        async () => {
          const el = document.getElementById('chart');
          const frame = () => new Promise((res) => requestAnimationFrame(() => setTimeout(res, 0)));
          const deadline = performance.now() + 10000;
          while (el.querySelector('.uplot') === window.__before && performance.now() < deadline) await frame();
          await frame();
          const zoomed = el.querySelector('.uplot') !== window.__before && window.__mouseUp > 0 ? 1 : 0;
          return { zoomMs: performance.now() - window.__mouseUp, zoomed };
        }
        """;

    private const string Page = """
        <!doctype html><html><head><meta charset="utf-8"><base href="/">
        <link rel="stylesheet" href="lib/uPlot.min.css"><script src="lib/uPlot.iife.min.js"></script></head>
        <body style="margin:0;font-family:sans-serif"><div id="chart" style="width:1200px"></div>
        <script type="module">
          import * as cc from './js/compare-chart.js';
          window.cc = cc; window.benchReady = true;
        </script></body></html>
        """;

    /// <summary>
    /// External runs with a noisy decaying loss (times 10 ms apart, a spike at one random step), through the ingestion
    /// API in batches of 1,000 (its limit), four batches in flight. Returns the run ids.
    /// </summary>
    private static async Task<List<long>> SeedAsync(Portal portal, int runs, int points)
    {
        var watch = Stopwatch.StartNew();
        var token = await portal.CreateTokenAsync();
        using var api = portal.TokenClient(token);
        var ids = new List<long>();
        for (var r = 0; r < runs; r++)
        {
            using var content = new StringContent($"{{\"name\":\"chart-bench-{r + 1:00}\"}}", Encoding.UTF8, "application/json");
            using var response = await api.PostAsync(new Uri("/api/runs/external", UriKind.Relative), content);
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"create run: {(int)response.StatusCode} {text}");
            ids.Add(System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("id").GetInt64());
        }
        var batches = ids.SelectMany((id, r) => Enumerable.Range(0, (points + 999) / 1000).Select(b => (id, r, b))).ToList();
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (points * 10L);
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (batch, ct) =>
        {
            var (id, r, b) = batch;
            var spike = new Random(r + 7).Next(points);
            var random = new Random((r * 100_003) + b);
            var sb = new StringBuilder(64_000).Append("{\"points\":[");
            for (var step = b * 1000; step < Math.Min(points, (b + 1) * 1000); step++)
            {
                var value = step == spike ? Spike : (2.0 / (1 + (step / 1000.0))) + (0.05 * random.NextDouble()) + (0.1 * r);
                if (step > b * 1000) sb.Append(',');
                sb.Append(CultureInfo.InvariantCulture, $"{{\"key\":\"{Key}\",\"step\":{step},\"value\":{value:G6},\"time\":{t0 + (step * 10L)}}}");
            }
            sb.Append("]}");
            using var content = new StringContent(sb.ToString(), Encoding.UTF8, "application/json");
            using var response = await api.PostAsync(new Uri($"/api/runs/{id}/metrics", UriKind.Relative), content, ct);
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"log: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        });
        // Finished, as the runs one compares usually are: a portal with compacted histories writes them now, in the
        // background (tens of ms a run); the wait below and the unmeasured first round leave it the time to finish.
        foreach (var id in ids)
        {
            using var content = new StringContent("{\"status\":\"Succeeded\"}", Encoding.UTF8, "application/json");
            using var response = await api.PutAsync(new Uri($"/api/runs/{id}/status", UriKind.Relative), content);
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"finish: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        await Task.Delay(TimeSpan.FromSeconds(5));
        Console.Error.WriteLine($"seeded {runs} finished runs × {points} points into the portal in {Stats.F(watch.Elapsed.TotalSeconds)} s");
        return ids;
    }
}
