using System.Security.Claims;
using System.Text.Json;
using LayerLab.Data;
using LayerLab.Data.Panels;
using LayerLab.Web.Accounts;
using LayerLab.Web.ExternalRuns;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Panels;

/// <summary>
/// The signed-in person's own run-page panel layout per experiment (#20): GET (an empty layout when none is saved)
/// and PUT (replaces it). The owner is always the caller: no route names another user, so nobody reads or changes
/// someone else's layout. Reads need the read policy, saving the write policy (a read-only token cannot save).
/// </summary>
public static class PanelLayoutEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapPanelLayoutApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/panel-layouts").RequireAuthorization(LabPolicies.Read);
        api.MapGet("/{experimentKey}", GetAsync);
        api.MapPut("/{experimentKey}", PutAsync).RequireAuthorization(LabPolicies.Write);
        return app;
    }

    private static string UserId(ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";

    private static async Task<IResult> GetAsync(string experimentKey, ClaimsPrincipal user, IDbContextFactory<LabDbContext> dbFactory, CancellationToken ct)
    {
        if (PanelLayoutRules.ExperimentKeyProblem(experimentKey) is { } problem) return JsonBody.Invalid("experimentKey", problem);
        var userId = UserId(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.PanelLayouts.AsNoTracking().FirstOrDefaultAsync(l => l.UserId == userId && l.ExperimentKey == experimentKey, ct);
        var layout = row is null ? PanelLayoutDto.Empty : JsonSerializer.Deserialize<PanelLayoutDto>(row.LayoutJson, Json) ?? PanelLayoutDto.Empty;
        return TypedResults.Ok(new { experimentKey, layout.Order, layout.Pinned, layout.Collapsed, updatedAt = row?.UpdatedAt });
    }

    private static async Task<IResult> PutAsync(
        string experimentKey, HttpContext context, ClaimsPrincipal user, IDbContextFactory<LabDbContext> dbFactory, TimeProvider clock, CancellationToken ct)
    {
        var (document, error) = await JsonBody.ReadAsync(context, ct);
        if (error is not null) return error;
        using var _ = document;
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (PanelLayoutRules.ExperimentKeyProblem(experimentKey) is { } problem) errors.Add("experimentKey", problem);
        var layout = PanelLayoutRules.Parse(document!.RootElement, errors);
        if (layout is null || errors.Count > 0) return JsonBody.Invalid(errors);

        var userId = UserId(user);
        var json = JsonSerializer.Serialize(layout, Json);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.PanelLayouts.FirstOrDefaultAsync(l => l.UserId == userId && l.ExperimentKey == experimentKey, ct);
        if (row is null) db.PanelLayouts.Add(row = new PanelLayout { UserId = userId, ExperimentKey = experimentKey, LayoutJson = json });
        row.LayoutJson = json;
        row.UpdatedAt = clock.GetUtcNow();
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException) when (row.Id == 0)
        {
            // Another tab saved the first layout at the same moment (unique index): the later save wins.
            await using var retry = await dbFactory.CreateDbContextAsync(ct);
            await retry.PanelLayouts.Where(l => l.UserId == userId && l.ExperimentKey == experimentKey)
                .ExecuteUpdateAsync(s => s.SetProperty(l => l.LayoutJson, json).SetProperty(l => l.UpdatedAt, row.UpdatedAt), ct);
        }
        return TypedResults.Ok(new { experimentKey, layout.Order, layout.Pinned, layout.Collapsed, updatedAt = row.UpdatedAt });
    }
}
