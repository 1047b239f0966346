using Hangfire;
using LayerLab.Web.Accounts;
using LayerLab.Web.Compare;
using LayerLab.Web.Components;
using LayerLab.Web.ExternalRuns;
using LayerLab.Web.Live;
using LayerLab.Web.Mlflow;
using LayerLab.Web.Notifications;
using LayerLab.Web.Queue;
using LayerLab.Web.Review;
using LayerLab.Web.Figures;
using LayerLab.Web.Runs;
using LayerLab.Web.Security;
using LayerLab.Web.Workers;
using LayerLab.Web.Studies;
using LayerLab.Web.Sweeps;
using Microsoft.Extensions.FileProviders;

namespace LayerLab.Web.Hosting;

/// <summary>Builds the portal: the same composition for Program and for in-process tests.</summary>
public static class PortalHost
{
    public static WebApplication Build(string[] args)
    {
        var contentRoot = ContentRootLocator.Find();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // Fixed, so the static-asset manifests are found when a test host (not this exe) is the entry assembly.
            ApplicationName = typeof(PortalHost).Assembly.GetName().Name,
            ContentRootPath = contentRoot,
            WebRootPath = Path.Combine(contentRoot, "wwwroot"),
        });
        // Framework and MudBlazor assets are located through the build's static-web-assets manifest in every
        // environment (by default only Development reads it); in a published app they are copied and this is a no-op.
        builder.WebHost.UseStaticWebAssets();
        builder.AddLayerLab();

        var app = builder.Build();
        app.UseKnownProxies(app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Security.ProxyOptions>>().Value);
        app.UseSecurityHeaders();
        if (!app.Environment.IsDevelopment()) app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseStatusCodePages();
        // Static files are public (the sign-in page needs them); everything after this requires a signed-in user.
        // Routing comes after: a catch-all fallback endpoint ({**path:file}) would otherwise match first and
        // static files would be skipped.
        app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(app.Environment.WebRootPath) });
        app.UseRouting();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseSameOriginGuard();
        app.UseAuthorization();
        app.UseBodySizeCaps();
        app.UseAntiforgery();
        var manifest = Path.Combine(AppContext.BaseDirectory, $"{app.Environment.ApplicationName}.staticwebassets.endpoints.json");
        if (File.Exists(manifest)) app.MapStaticAssets(manifest).AllowAnonymous(); // absent only inside a test assembly
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.MapHub<RunHub>(RunHub.Path).RequireAuthorization(LabPolicies.Read);
        app.MapHub<Notifications.NotificationHub>(Notifications.NotificationHub.Path).RequireAuthorization(LabPolicies.Read);
        app.MapAccountEndpoints();
        app.MapRunApi();
        app.MapRunFigureApi();
        app.MapSweepApi();
        app.MapStudyApi();
        app.MapCompareApi();
        app.MapExternalRunApi();
        Tensors.TensorEndpoints.MapTensorApi(app);
        app.MapMlflowApi();
        app.MapReviewApi();
        app.MapWorkerApi();
        app.MapQueueApi();
        Datasets.DatasetEndpoints.MapDatasetApi(app);
        app.MapNotificationApi();
        Panels.PanelLayoutEndpoints.MapPanelLayoutApi(app);
        app.MapHealthChecks("/health").AllowAnonymous();
        app.MapOpenApi().RequireAuthorization(LabPolicies.Read);
        // Admin only, checked on the endpoint and again by Hangfire's own filter (a local request is not enough).
        app.MapHangfireDashboard("/hangfire", new DashboardOptions { Authorization = [new AdminDashboardAuthorization()] })
            .RequireAuthorization(LabPolicies.Admin);
        return app;
    }
}
