using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Playwright;

namespace LayerLab.Bench.Live;

/// <summary>
/// The compare chart (the real wwwroot/js/compare-chart.js + run-chart.js + uPlot from wwwroot/lib) drawing
/// <c>runs</c> × <c>points</c> in headless Chromium (/usr/bin/chromium). A loopback HTTP server in this process serves
/// wwwroot and answers /api/compare/metrics with synthetic series (the portal's JSON shape; a spike in every run so
/// the check can see that min/max survive downsampling). Timed inside the page with performance.now():
/// mount → data-state "ready" (fetch + JSON parse + downsample + uPlot draw) → next animation frame (painted), and a
/// drag-zoom (synthetic mouse events on the plot) → the re-sampled chart painted. Server query time is not included:
/// the data is in memory here.
/// </summary>
public static class ChartBench
{
    public static async Task RunAsync(int runs, int points, int repeats, string label)
    {
        var json = SyntheticCompareJson(runs, points);
        using var listener = new HttpListener();
        var port = FreePort();
        var prefix = $"http://127.0.0.1:{port}/";
        listener.Prefixes.Add(prefix);
        listener.Start();
        using var stop = new CancellationTokenSource();
        var server = Task.Run(() => ServeAsync(listener, json, stop.Token));

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("LAYERLAB_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
        var results = new List<(double Fetch, double Ready, double Paint, double Zoom, double Held)>();
        for (var i = 0; i < repeats + 1; i++)
        {
            // A fresh page each time: nothing cached in JS between repeats (the first is a warm-up of Chromium itself).
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
            await page.GotoAsync(prefix + "bench.html");
            await page.WaitForFunctionAsync("() => window.benchReady === true");
            var r = await page.EvaluateAsync<Dictionary<string, double>>(MeasureScript, new { runs });
            // Drag across the middle tenth of the plot: compare-chart re-samples that window at full resolution.
            var box = (await page.Locator("#chart .u-over").BoundingBoxAsync())!;
            var y = box.Y + (box.Height / 2f);
            await page.Mouse.MoveAsync(box.X + (box.Width * 0.45f), y);
            await page.Mouse.DownAsync();
            await page.Mouse.MoveAsync(box.X + (box.Width * 0.55f), y, new MouseMoveOptions { Steps = 4 });
            await page.Mouse.UpAsync();
            var zoom = await page.EvaluateAsync<Dictionary<string, double>>(ZoomScript);
            r["zoomMs"] = zoom["zoomMs"];
            r["zoomed"] = zoom["zoomed"];
            await page.CloseAsync();
            if (i == 0) continue;
            results.Add((r["fetchMs"], r["readyMs"], r["paintMs"], r["zoomMs"], r["points"]));
            Console.Error.WriteLine($"chart {runs}×{points}: fetch+parse {Stats.F(r["fetchMs"])} ms, ready {Stats.F(r["readyMs"])} ms, painted {Stats.F(r["paintMs"])} ms, zoom re-render {Stats.F(r["zoomMs"])} ms, points held {r["points"]}, spike kept {r["spikeKept"] == 1}, zoomed {r["zoomed"] == 1}");
            if (r["spikeKept"] != 1 || r["zoomed"] != 1) throw new InvalidOperationException("chart check failed: spike dropped or zoom did not re-render");
        }
        stop.Cancel();
        listener.Stop();
        Stats.Emit(new
        {
            bench = "chart_render", label, runs, points, repeats,
            first_paint_ms = Stats.Median(results.Select(r => r.Paint)), first_paint_min_ms = results.Min(r => r.Paint), first_paint_max_ms = results.Max(r => r.Paint),
            fetch_parse_ms = Stats.Median(results.Select(r => r.Fetch)),
            draw_ms = Stats.Median(results.Select(r => r.Paint - r.Fetch)),
            zoom_ms = Stats.Median(results.Select(r => r.Zoom)), zoom_max_ms = results.Max(r => r.Zoom),
            points_held = results[0].Held, load = Stats.LoadAverage(),
        });
    }

    // Runs in the page: mount, wait for ready, wait one frame; then drag-zoom the middle tenth and wait one frame.
    private const string MeasureScript = """
        async ({ runs }) => {
          const el = document.getElementById('chart');
          const list = Array.from({ length: runs }, (_, i) => ({ runId: i + 1, label: `run ${i + 1}` }));
          const frame = () => new Promise((res) => requestAnimationFrame(() => setTimeout(res, 0)));
          let fetchDone = 0;
          const origFetch = window.fetch;
          window.fetch = async (...a) => { const r = await origFetch(...a); const body = await r.json(); fetchDone = performance.now();
                                           return { ok: r.ok, status: r.status, json: async () => body }; };
          const t0 = performance.now();
          window.cc.mountCompareChart(el, list, 'loss', { height: 380 });
          await new Promise((res) => { const obs = new MutationObserver(() => { if (el.getAttribute('data-state') !== 'loading') { obs.disconnect(); res(); } }); obs.observe(el, { attributes: true }); });
          const tReady = performance.now();
          await frame();
          const tPaint = performance.now();
          // The downsampler keeps each bucket's extremes: the spike (value 100 at one step) must survive.
          const xs = Float64Array.from({ length: 100000 }, (_, i) => i);
          const ys = Float64Array.from({ length: 100000 }, (_, i) => (i === 54321 ? 100 : Math.sin(i)));
          const ds = window.rc.downsampleMinMax(xs, ys, 0, 99999, 1300);
          const spikeKept = Math.max(...ds.ys) === 100 ? 1 : 0;

          // Zoom is a real mouse drag from Playwright (below); note when its mouseup arrives, before uPlot sees it.
          window.__before = el.querySelector('.uplot');
          document.addEventListener('mouseup', () => { window.__mouseUp = performance.now(); }, { capture: true, once: true });
          window.fetch = origFetch;
          return { fetchMs: fetchDone - t0, readyMs: tReady - t0, paintMs: tPaint - t0, spikeKept,
                   points: Number(el.getAttribute('data-point-count')) };
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
          import * as rc from './js/run-chart.js';
          window.cc = cc; window.rc = rc; window.benchReady = true;
        </script></body></html>
        """;

    /// <summary>The /api/compare/metrics body: { runs: [{ runId, steps, values }] }; a noisy decaying loss with a spike.</summary>
    private static byte[] SyntheticCompareJson(int runs, int points)
    {
        var sb = new StringBuilder(runs * points * 24);
        sb.Append("{\"runs\":[");
        var random = new Random(7);
        for (var r = 0; r < runs; r++)
        {
            if (r > 0) sb.Append(',');
            sb.Append("{\"runId\":").Append(r + 1).Append(",\"steps\":[");
            for (var i = 0; i < points; i++) { if (i > 0) sb.Append(','); sb.Append(i); }
            sb.Append("],\"values\":[");
            var spike = random.Next(points);
            for (var i = 0; i < points; i++)
            {
                if (i > 0) sb.Append(',');
                var v = i == spike ? 50.0 : (2.0 / (1 + (i / 1000.0))) + (0.05 * random.NextDouble()) + (0.1 * r);
                sb.Append(v.ToString("G6", CultureInfo.InvariantCulture));
            }
            sb.Append("]}");
        }
        sb.Append("]}");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static async Task ServeAsync(HttpListener listener, byte[] json, CancellationToken stop)
    {
        var wwwroot = Path.Combine(Portal.Root, "wwwroot");
        while (!stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try { context = await listener.GetContextAsync(); }
            catch (Exception) when (stop.IsCancellationRequested || !listener.IsListening) { return; }
            var path = context.Request.Url!.AbsolutePath;
            byte[] body; string type;
            if (path == "/bench.html") { body = Encoding.UTF8.GetBytes(Page); type = "text/html"; }
            else if (path == "/api/compare/metrics") { body = json; type = "application/json"; }
            else
            {
                var file = Path.GetFullPath(Path.Combine(wwwroot, path.TrimStart('/')));
                if (!file.StartsWith(wwwroot, StringComparison.Ordinal) || !File.Exists(file)) { context.Response.StatusCode = 404; context.Response.Close(); continue; }
                body = await File.ReadAllBytesAsync(file, stop);
                type = file.EndsWith(".js", StringComparison.Ordinal) ? "text/javascript" : file.EndsWith(".css", StringComparison.Ordinal) ? "text/css" : "application/octet-stream";
            }
            context.Response.ContentType = type;
            context.Response.ContentLength64 = body.Length;
            try { await context.Response.OutputStream.WriteAsync(body, stop); context.Response.Close(); }
            catch (HttpListenerException) { /* page closed */ }
        }
    }

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
