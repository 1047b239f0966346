using Hangfire;
using LayerLab.Web.Components;
using LayerLab.Web.Hosting;
using LayerLab.Web.Live;
using LayerLab.Web.Runs;
using Microsoft.Extensions.FileProviders;

var contentRoot = ContentRootLocator.Find();
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = contentRoot,
    WebRootPath = Path.Combine(contentRoot, "wwwroot"),
});
// Framework and MudBlazor assets are located through the build's static-web-assets manifest in every environment
// (by default only Development reads it); a published app has them copied and the call is a no-op.
builder.WebHost.UseStaticWebAssets();
builder.AddLayerLab();

var app = builder.Build();
if (!app.Environment.IsDevelopment()) app.UseExceptionHandler("/error", createScopeForErrors: true);
app.UseStatusCodePages();
// The repository's root wwwroot (our css/js) from disk; framework and MudBlazor assets from the build manifest.
app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(app.Environment.WebRootPath) });
app.UseAntiforgery();
app.MapStaticAssets();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
app.MapHub<RunHub>(RunHub.Path);
app.MapRunApi();
app.MapHealthChecks("/health");
app.MapHangfireDashboard("/hangfire");
await app.RunAsync();

/// <summary>Entry point; public so integration tests can refer to the assembly.</summary>
public partial class Program;
