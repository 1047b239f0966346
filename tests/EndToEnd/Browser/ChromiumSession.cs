using Microsoft.Playwright;

namespace LayerLab.Tests.EndToEnd.Browser;

/// <summary>Debian's headless Chromium driven by Playwright (no browser download: ExecutablePath=/usr/bin/chromium).</summary>
public sealed class ChromiumSession : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly string _profile;

    public IBrowser Browser { get; }

    private ChromiumSession(IPlaywright playwright, IBrowser browser, string profile)
    {
        _playwright = playwright;
        Browser = browser;
        _profile = profile;
    }

    public static string ExecutablePath => Environment.GetEnvironmentVariable("LAYERLAB_CHROMIUM") ?? "/usr/bin/chromium";

    public static async Task<ChromiumSession> LaunchAsync()
    {
        var playwright = await Playwright.CreateAsync();
        var profile = Directory.CreateTempSubdirectory("layerlab-chromium").FullName;
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // This machine has no network beyond loopback: keep Chromium from reaching out at all.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
        return new ChromiumSession(playwright, browser, profile);
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        try { Directory.Delete(_profile, recursive: true); }
        catch (IOException) { /* best effort */ }
    }
}
