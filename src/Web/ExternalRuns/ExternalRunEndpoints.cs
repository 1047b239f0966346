using System.Security.Claims;
using System.Text.Json;
using System.Text.RegularExpressions;
using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Training.Contracts;
using LayerLab.Web.Accounts;
using LayerLab.Web.Ingestion;
using LayerLab.Web.Live;
using LayerLab.Web.Runs;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.ExternalRuns;

/// <summary>
/// The HTTP API for runs trained anywhere: create an external run, log metric batches to it, end it, and attach
/// artifacts to any run. Reads need the Read policy; writes need Submit (write scope) and ownership (or admin).
/// </summary>
public static partial class ExternalRunEndpoints
{
    public const string ExperimentKey = "external";
    public const int MaxNameLength = 200;
    public const int MaxParameters = 200;
    public const int MaxParameterKeyLength = 100;
    public const int MaxStringValueLength = 1000;
    public const int MaxTags = 50;
    public const int MaxPoints = 1000;
    public const int MaxMetricKeyLength = 200;
    public const long MaxStep = 1_000_000_000_000;
    public const int MaxSummaryEntries = 200;
    public const int MaxErrorLength = 4000;
    private const int MaxReportedPointErrors = 50;

    public static IEndpointRouteBuilder MapExternalRunApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization(LabPolicies.Read);
        api.MapPost("/runs/external", CreateAsync).RequireAuthorization(LabPolicies.Submit);
        api.MapPost("/runs/{id:long}/metrics", LogMetricsAsync).RequireAuthorization(LabPolicies.Submit);
        api.MapPut("/runs/{id:long}/status", SetStatusAsync).RequireAuthorization(LabPolicies.Submit);
        ArtifactEndpoints.Map(api);
        return app;
    }

    // ---- PUT /api/runs/{id}/status ----------------------------------------------------------------------------

    private static async Task<IResult> SetStatusAsync(
        long id, HttpContext context, ClaimsPrincipal user, IDbContextFactory<LabDbContext> dbFactory,
        MetricIngestion ingestion, RunEvents events, RunFinishedSubscribers finished, TimeProvider clock, CancellationToken ct)
    {
        var (run, refusal) = await FindWritableAsync(dbFactory, id, user, requireExternalRunning: true, ct);
        if (refusal is not null) return refusal;

        var (document, error) = await JsonBody.ReadAsync(context, ct);
        if (error is not null) return error;
        using var _ = document;
        var root = document!.RootElement;
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        JsonBody.RejectUnknown(root, errors, "", "status", "summary", "error");

        RunStatus status = default;
        if (!JsonBody.TryGet(root, "status", out var statusElement) || statusElement.ValueKind != JsonValueKind.String ||
            !Enum.TryParse(statusElement.GetString(), ignoreCase: true, out status) ||
            status is not (RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled) ||
            !Enum.IsDefined(status))
            errors.Add("status", "status must be one of \"Succeeded\", \"Failed\", \"Cancelled\".");

        string? summaryJson = null;
        if (JsonBody.TryGet(root, "summary", out var summary) && summary.ValueKind != JsonValueKind.Null)
        {
            if (summary.ValueKind != JsonValueKind.Object)
                errors.Add("summary", "summary must be an object of name → number.");
            else
            {
                var values = new Dictionary<string, double>(StringComparer.Ordinal);
                foreach (var property in summary.EnumerateObject())
                {
                    var field = $"summary.{Shorten(property.Name)}";
                    if (property.Name.Length is 0 or > MaxMetricKeyLength || property.Name.Any(char.IsControl))
                        errors.Add(field, $"Summary names must be 1 to {MaxMetricKeyLength} characters.");
                    else if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetDouble(out var v) || !double.IsFinite(v))
                        errors.Add(field, "Summary values must be finite numbers.");
                    else if (!values.TryAdd(property.Name, v))
                        errors.Add(field, "The name appears more than once.");
                }
                if (values.Count > MaxSummaryEntries) errors.Add("summary", $"At most {MaxSummaryEntries} summary values.");
                summaryJson = JsonSerializer.Serialize(values);
            }
        }

        string? errorText = null;
        if (JsonBody.TryGet(root, "error", out var errorElement) && errorElement.ValueKind != JsonValueKind.Null)
        {
            if (errorElement.ValueKind != JsonValueKind.String || errorElement.GetString()!.Length > MaxErrorLength)
                errors.Add("error", $"error must be a string of at most {MaxErrorLength} characters.");
            else errorText = errorElement.GetString();
        }
        if (errors.Count > 0) return JsonBody.Invalid(errors);

        // Every point logged before the status call is stored before the run says it ended.
        await ingestion.FlushAsync(ct);
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var changed = await db.Runs.Where(r => r.Id == run!.Id && r.Source == RunSource.External && r.Status == RunStatus.Running)
            .FinishAsync(new RunEnd(status, summaryJson, Error: errorText), now, ct);
        if (changed == 0) return TypedResults.Conflict(new { error = "The run has already ended." });
        var updated = await db.Runs.AsNoTracking().FirstAsync(r => r.Id == run!.Id, ct);
        await events.PublishRunUpdatedAsync(updated.ToUpdateMessage());
        await finished.TellAsync(updated, ct); // histories compacted for compare reads, the owner's bell
        return TypedResults.Ok(RunDto.From(updated));
    }

    // ---- shared -----------------------------------------------------------------------------------------------

    /// <summary>404 if absent, 403 unless the caller owns it (or is admin), 409 unless it is a Running external run.</summary>
    internal static async Task<(Run? Run, IResult? Refusal)> FindWritableAsync(
        IDbContextFactory<LabDbContext> dbFactory, long id, ClaimsPrincipal user, bool requireExternalRunning, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct);
        if (run is null) return (null, TypedResults.NotFound());
        if (!RunActor.From(user).MayChange(run)) return (null, TypedResults.Forbid());
        if (requireExternalRunning && run.Source != RunSource.External)
            return (null, TypedResults.Conflict(new { error = "Only external runs take metrics and status over this API." }));
        if (requireExternalRunning && run.Status != RunStatus.Running)
            return (null, TypedResults.Conflict(new { error = $"The run is {run.Status}, not Running." }));
        return (run, null);
    }

    private static string Shorten(string name) => name.Length <= MaxParameterKeyLength ? name : name[..MaxParameterKeyLength] + "…";

    [GeneratedRegex(@"^[A-Za-z0-9_./@=-]+\z", RegexOptions.CultureInvariant)] // \z, not $: $ also matches before a final newline
    private static partial Regex MetricKey();
}

public sealed record LogMetricsResult(int Accepted, int NonFinite);
