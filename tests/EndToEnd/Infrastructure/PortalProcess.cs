using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LayerLab.Tests.EndToEnd.Infrastructure;

/// <summary>
/// The real portal as its own process on a loopback port, with its own SQLite file: exactly what
/// `./lab.sh start` runs, so restarts and shutdowns are real.
/// </summary>
public sealed class PortalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    public const string AdminEmail = "admin@lab.test";
    public const string AdminPassword = "admin-password-1";

    public Uri BaseAddress { get; }
    public string DatabasePath { get; }
    /// <summary>Signed in as the first admin (created from configuration at start).</summary>
    public HttpClient Http { get; private set; } = null!;
    /// <summary>No cookie, no token.</summary>
    public HttpClient Anonymous { get; }

    private PortalProcess(Process process, Uri baseAddress, string databasePath)
    {
        _process = process;
        BaseAddress = baseAddress;
        DatabasePath = databasePath;
        Anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Signs in through the real form (antiforgery token included) and returns a client holding the cookie.</summary>
    public Task<HttpClient> SignInAsync(string email, string password) => PortalSession.SignInAsync(BaseAddress, email, password);

    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>Whether the portal process has mapped a native library whose file name contains <paramref name="name"/>.</summary>
    public bool HasLoadedNative(string name) =>
        File.ReadLines($"/proc/{_process.Id}/maps").Any(line => line.Contains(name, StringComparison.Ordinal));

    public static async Task<PortalProcess> StartAsync(string databasePath, IDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        var info = new ProcessStartInfo("dotnet", [RepoPaths.WebDll, "--urls", baseAddress.ToString()])
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["LayerLab__Database"] = $"Data Source={databasePath}";
        info.Environment["Logging__LogLevel__Default"] = "Information";
        info.Environment["LayerLab__Admin__Email"] = AdminEmail;
        info.Environment["LayerLab__Admin__Password"] = AdminPassword;
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) info.Environment[key] = value;

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the portal");
        var portal = new PortalProcess(process, baseAddress, databasePath);
        process.OutputDataReceived += (_, e) => portal.Append(e.Data);
        process.ErrorDataReceived += (_, e) => portal.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await portal.WaitHealthyAsync(TimeSpan.FromSeconds(90));
        portal.Http = await portal.SignInAsync(AdminEmail, AdminPassword);
        return portal;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }

    private async Task WaitHealthyAsync(TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (_process.HasExited) throw new InvalidOperationException($"portal exited with {_process.ExitCode}:\n{Log}");
            try
            {
                using var response = await Anonymous.GetAsync(new Uri("/health", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"portal not healthy after {timeout}:\n{Log}");
    }

    /// <summary>SIGTERM, as systemd or docker stop would send, then wait for a clean exit.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await _process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Http?.Dispose();
        Anonymous.Dispose();
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
