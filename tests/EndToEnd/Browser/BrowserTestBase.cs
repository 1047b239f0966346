using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Playwright;

namespace LayerLab.Tests.EndToEnd.Browser;

/// <summary>A fresh portal and a headless Chromium per test, and the sign-in a visitor goes through.</summary>
public abstract class BrowserTestBase : IAsyncLifetime
{
    protected TempDatabase Db { get; } = new();
    protected PortalProcess Portal { get; private set; } = null!;
    protected ChromiumSession Chromium { get; private set; } = null!;
    protected List<string> Console { get; } = [];

    /// <summary>Settings (environment variables) a test class gives its portal; none by default.</summary>
    protected virtual IDictionary<string, string>? PortalSettings => null;

    public async Task InitializeAsync()
    {
        Portal = await PortalProcess.StartAsync(Db.FilePath, PortalSettings);
        Chromium = await ChromiumSession.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await Chromium.DisposeAsync();
        await Portal.DisposeAsync();
        Db.Dispose();
    }

    protected async Task<IPage> NewPageAsync()
    {
        var context = await Chromium.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        page.Console += (_, message) => { lock (Console) Console.Add($"{message.Type}: {message.Text}"); };
        return page;
    }

    /// <summary>Opens a page as an anonymous visitor, gets sent to the sign-in form, signs in as admin and lands on it.</summary>
    protected Task SignInAsync(IPage page, string path) => SignInAsync(page, path, PortalProcess.AdminEmail, PortalProcess.AdminPassword);

    /// <summary>The same sign-in path as another user.</summary>
    protected async Task SignInAsync(IPage page, string path, string email, string password)
    {
        await page.GotoAsync(new Uri(Portal.BaseAddress, path).ToString());
        await page.WaitForURLAsync("**/account/signin**");
        await page.Locator("#email").FillAsync(email);
        await page.Locator("#password").FillAsync(password);
        await page.GetByTestId("signin-submit").ClickAsync();
        await page.WaitForURLAsync($"**{path}");
    }
}
