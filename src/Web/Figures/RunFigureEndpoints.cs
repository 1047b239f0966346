using System.Text;
using LayerLab.Data;
using LayerLab.Training.Contracts;
using LayerLab.Web.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Figures;

/// <summary>GET /api/runs/{id}/figures/{key}.svg: one of a finished run's own figures as a standalone SVG download.</summary>
public static class RunFigureEndpoints
{
    /// <summary>Figure keys are short slugs ("success-vs-lr"); anything longer is not one of ours.</summary>
    private const int MaxKeyLength = 64;

    public static IEndpointRouteBuilder MapRunFigureApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api").RequireAuthorization(LabPolicies.Read)
            .MapGet("/runs/{id:long}/figures/{key}.svg", SvgAsync)
            .Produces(StatusCodes.Status200OK, contentType: "image/svg+xml").Produces(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<FileContentHttpResult, NotFound>> SvgAsync(
        long id, string key, IDbContextFactory<LabDbContext> dbFactory, ExperimentCatalog catalog, CancellationToken ct)
    {
        if (key.Length > MaxKeyLength) return TypedResults.NotFound();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct);
        if (run is null) return TypedResults.NotFound();
        var figure = RunFigureSvg.For(run, catalog.Find(run.ExperimentKey)).FirstOrDefault(f => f.Key == key);
        return figure is null
            ? TypedResults.NotFound()
            : TypedResults.File(Encoding.UTF8.GetBytes(RunFigureSvg.Render(figure)), "image/svg+xml", $"run-{id}-{figure.Key}.svg");
    }
}
