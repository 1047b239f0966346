using LayerLab.Web.Hosting;
using Microsoft.AspNetCore.Builder;

namespace LayerLab.Tests.EndToEnd.Infrastructure;

/// <summary>
/// The real portal built in-process on a fresh SQLite file, with its worker off, so a test can call the portal's own
/// services (ledger, submission, jobs) directly and deliver work by hand; <see cref="Database"/> reads back what it stored.
/// </summary>
public sealed class InProcessPortal : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessPortal(TempDatabase database, WebApplication app)
    {
        Database = database;
        _app = app;
    }

    public TempDatabase Database { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Where it listens (a free loopback port).</summary>
    public Uri BaseAddress => new(_app.Urls.First());

    /// <param name="settings">More command-line settings ("--LayerLab:Admin:Email=…").</param>
    public static async Task<InProcessPortal> StartAsync(params string[] settings)
    {
        var database = new TempDatabase();
        try
        {
            var app = PortalHost.Build([
                $"--LayerLab:Database=Data Source={database.FilePath}", "--LayerLab:Worker:Enabled=false", "--urls=http://127.0.0.1:0",
                "--Logging:LogLevel:Default=Warning", .. settings]);
            await app.StartAsync();
            return new InProcessPortal(database, app);
        }
        catch
        {
            database.Dispose(); // a portal that never started must not leave its temporary folder behind
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Database.Dispose();
    }
}
