using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LayerLab.Bench.Live;

/// <summary>
/// The real portal as its own process (exactly what `./lab.sh start` runs: src/Web/bin/Release/net10.0/LayerLab.Web.dll)
/// on a loopback port with a temporary SQLite file. Times its cold start and reads its RSS from /proc.
/// </summary>
public sealed partial class Portal : IAsyncDisposable
{
    private const string AdminEmail = "bench@lab.local";
    private readonly string _password;
    private readonly Process _process;
    private readonly string _dir;

    public Uri BaseAddress { get; }
    public HttpClient Anonymous { get; }
    /// <summary>Signed in as the admin (cookie), set by <see cref="StartAsync"/>.</summary>
    public HttpClient Admin { get; private set; } = null!;
    /// <summary>Process start → first 200 from /health.</summary>
    public TimeSpan ToHealthy { get; private set; }
    /// <summary>Process start → first 200 of the sign-in page (the first page a visitor sees).</summary>
    public TimeSpan ToFirstPage { get; private set; }
    /// <summary>CPU seconds the portal used until /health answered: the load-independent part of the cold start.</summary>
    public double CpuToHealthy { get; private set; }
    public int Pid => _process.Id;

    private Portal(Process process, Uri baseAddress, string dir, string password)
    {
        _password = password;
        _process = process;
        BaseAddress = baseAddress;
        _dir = dir;
        Anonymous = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public static string Root { get; } = FindRoot();

    /// <summary>The admin's sign-in cookies (for a browser context that calls the API as the admin).</summary>
    public CookieCollection AdminCookies { get; private set; } = [];

    /// <param name="dllPath">Another build of the portal (e.g. a copy made before a change, for before/after runs).</param>
    public static async Task<Portal> StartAsync(bool worker = true, string? dllPath = null)
    {
        // LIVEBENCH_PORTAL_DLL: the same for every bench.
        var dll = dllPath ?? Environment.GetEnvironmentVariable("LIVEBENCH_PORTAL_DLL") ?? Path.Combine(Root, "src", "Web", "bin", "Release", "net10.0", "LayerLab.Web.dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"build the portal first: dotnet build src/Web -c Release ({dll} missing)");
        var dir = Directory.CreateTempSubdirectory("layerlab-livebench").FullName;
        var port = FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        var info = new ProcessStartInfo("dotnet", [dll, "--urls", baseAddress.ToString()])
        {
            WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        // A build copied elsewhere finds no Portal.sln above it: serve this repository's appsettings and wwwroot.
        info.Environment["LAYERLAB_ROOT"] = Root;
        info.Environment["LayerLab__Database"] = $"Data Source={Path.Combine(dir, "bench.db")}";
        info.Environment["LayerLab__Admin__Email"] = AdminEmail;
        var password = "bench-" + Guid.NewGuid().ToString("N")[..12];
        info.Environment["LayerLab__Admin__Password"] = password;
        info.Environment["LayerLab__Worker__Enabled"] = worker ? "true" : "false";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var watch = Stopwatch.StartNew();
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the portal");
        var portal = new Portal(process, baseAddress, dir, password);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("[portal] " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await portal.WaitAsync("/health", watch, t => { portal.ToHealthy = t; portal.CpuToHealthy = Stats.CpuSeconds(process.Id); });
        await portal.WaitAsync("/account/signin", watch, t => portal.ToFirstPage = t);
        portal.Admin = await portal.SignInAsync();
        return portal;
    }

    /// <summary>VmRSS of the portal process in MiB.</summary>
    public double RssMiB()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        return double.NaN;
    }

    /// <summary>Whether the portal has mapped the native libtorch (it should not have before the first training run).</summary>
    public bool LibtorchLoaded() =>
        File.ReadLines($"/proc/{_process.Id}/maps").Any(line => line.Contains("libtorch_cpu", StringComparison.Ordinal) || line.Contains("libtorch_cuda", StringComparison.Ordinal));

    public async Task<string> CreateTokenAsync()
    {
        using var response = await Admin.PostAsJsonAsync(new Uri("/api/tokens", UriKind.Relative), new { name = "bench", scopes = new[] { "read", "write" }, expiresInDays = 1 });
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"token: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("token").GetString()!;
    }

    public HttpClient TokenClient(string token)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private async Task WaitAsync(string path, Stopwatch watch, Action<TimeSpan> done)
    {
        while (watch.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (_process.HasExited) throw new InvalidOperationException($"portal exited with {_process.ExitCode}");
            try
            {
                using var response = await Anonymous.GetAsync(new Uri(path, UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK) { done(watch.Elapsed); return; }
            }
            catch (HttpRequestException) { /* not listening yet */ }
            await Task.Delay(20);
        }
        throw new TimeoutException($"portal not answering {path}");
    }

    private async Task<HttpClient> SignInAsync()
    {
        var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        var client = new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var form = await client.GetStringAsync(new Uri("/account/signin", UriKind.Relative));
        var token = AntiforgeryField().Match(form).Groups[1].Value;
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = AdminEmail, ["password"] = _password, ["returnUrl"] = "/", ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
        });
        using var response = await client.PostAsync(new Uri("/account/signin", UriKind.Relative), content);
        if (response.StatusCode != HttpStatusCode.Redirect || (response.Headers.Location?.ToString() ?? "").Contains("error=", StringComparison.Ordinal))
            throw new InvalidOperationException($"sign-in failed: {(int)response.StatusCode}");
        AdminCookies = handler.CookieContainer.GetAllCookies();
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try { await _process.WaitForExitAsync(timeout.Token); }
            catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); }
        }
        Admin?.Dispose();
        Anonymous.Dispose();
        _process.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRoot()
    {
        // Built outside the repository ($TMPDIR), so look above the working directory (bench/*.sh run from the root).
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln"))) return dir.FullName;
        throw new InvalidOperationException("run from inside the repository: Portal.sln not found above " + Environment.CurrentDirectory);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
