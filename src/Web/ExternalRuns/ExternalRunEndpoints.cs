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

    // ---- POST /api/runs/external ------------------------------------------------------------------------------

    private static async Task<IResult> CreateAsync(
        HttpContext context, ClaimsPrincipal user, IDbContextFactory<LabDbContext> dbFactory, RunEvents events,
        TimeProvider clock, CancellationToken ct)
    {
        var (document, error) = await JsonBody.ReadAsync(context, ct);
        if (error is not null) return error;
        using var _ = document;
        var root = document!.RootElement;
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        JsonBody.RejectUnknown(root, errors, "", "name", "project", "parameters", "tags");

        string? name = null;
        if (!JsonBody.TryGet(root, "name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String)
            errors.Add("name", "name is required and must be a string.");
        else
        {
            name = nameElement.GetString()!.Trim();
            if (name.Length is 0 or > MaxNameLength) errors.Add("name", $"name must be 1 to {MaxNameLength} characters.");
            else if (name.Any(char.IsControl)) errors.Add("name", "name must not contain control characters.");
        }

        if (JsonBody.TryGet(root, "project", out var project) && project.ValueKind != JsonValueKind.Null &&
            (project.ValueKind != JsonValueKind.String || project.GetString()!.Length > MaxNameLength))
            errors.Add("project", $"project must be a string of at most {MaxNameLength} characters.");

        if (JsonBody.TryGet(root, "tags", out var tags) && tags.ValueKind != JsonValueKind.Null)
        {
            if (tags.ValueKind != JsonValueKind.Array || tags.GetArrayLength() > MaxTags)
                errors.Add("tags", $"tags must be an array of at most {MaxTags} strings.");
            else
            {
                var i = 0;
                foreach (var tag in tags.EnumerateArray())
                {
                    if (tag.ValueKind != JsonValueKind.String || tag.GetString()!.Length is 0 or > MaxParameterKeyLength)
                        errors.Add($"tags[{i}]", $"Each tag must be a string of 1 to {MaxParameterKeyLength} characters.");
                    i++;
                }
            }
        }

        var parameters = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (JsonBody.TryGet(root, "parameters", out var parameterObject) && parameterObject.ValueKind != JsonValueKind.Null)
        {
            if (parameterObject.ValueKind != JsonValueKind.Object)
                errors.Add("parameters", "parameters must be a flat JSON object.");
            else
            {
                var count = 0;
                foreach (var property in parameterObject.EnumerateObject())
                {
                    count++;
                    var field = $"parameters.{Shorten(property.Name)}";
                    if (property.Name.Length is 0 or > MaxParameterKeyLength || property.Name.Any(char.IsControl))
                        errors.Add(field, $"Parameter names must be 1 to {MaxParameterKeyLength} characters without control characters.");
                    else if (!parameters.TryAdd(property.Name, property.Value.Clone()))
                        errors.Add(field, "The parameter appears more than once.");
                    switch (property.Value.ValueKind)
                    {
                        case JsonValueKind.Number:
                            if (!property.Value.TryGetDouble(out var d) || !double.IsFinite(d)) errors.Add(field, "The number is out of range.");
                            break;
                        case JsonValueKind.True or JsonValueKind.False:
                            break;
                        case JsonValueKind.String:
                            if (property.Value.GetString()!.Length > MaxStringValueLength)
                                errors.Add(field, $"String values must be at most {MaxStringValueLength} characters.");
                            break;
                        default:
                            errors.Add(field, "Parameter values must be a number, string or boolean (no objects, arrays or null).");
                            break;
                    }
                }
                if (count > MaxParameters) errors.Add("parameters", $"At most {MaxParameters} parameters; got {count}.");
            }
        }
        if (errors.Count > 0) return JsonBody.Invalid(errors);

        var actor = RunActor.From(user);
        var now = clock.GetUtcNow();
        var run = new Run
        {
            ExperimentKey = ExperimentKey,
            ParametersJson = JsonSerializer.Serialize(parameters),
            Status = RunStatus.Running,
            QueuedAt = now,
            StartedAt = now,
            Attempt = 1,
            Worker = "external",
            SubmittedBy = actor.UserName,
            SubmittedById = actor.UserId,
            Source = RunSource.External,
            Name = name,
        };
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            db.Runs.Add(run);
            await db.SaveChangesAsync(ct);
        }
        await events.PublishRunUpdatedAsync(run.ToUpdateMessage());
        return TypedResults.Created($"/api/runs/{run.Id}", RunDto.From(run));
    }

    // ---- POST /api/runs/{id}/metrics --------------------------------------------------------------------------

    private static async Task<IResult> LogMetricsAsync(
        long id, HttpContext context, ClaimsPrincipal user, IDbContextFactory<LabDbContext> dbFactory,
        MetricIngestion ingestion, RunningExternalRunCache runningRuns, CancellationToken ct)
    {
        // The hot path of a client logging many batches a second: ownership of a Running run comes from the cache.
        if (!runningRuns.TryGetRunning(id, out var ownerId) || !RunActor.From(user).MayChangeRunOf(ownerId))
        {
            var generation = runningRuns.Generation;
            var (run, refusal) = await FindWritableAsync(dbFactory, id, user, requireExternalRunning: true, ct);
            if (refusal is not null) return refusal;
            runningRuns.Store(id, run!.SubmittedById, generation);
        }

        var (document, error) = await JsonBody.ReadAsync(context, ct);
        if (error is not null) return error;
        using var _ = document;
        var root = document!.RootElement;
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        JsonBody.RejectUnknown(root, errors, "", "points");
        if (!JsonBody.TryGet(root, "points", out var points) || points.ValueKind != JsonValueKind.Array)
        {
            errors.Add("points", "points is required and must be an array.");
            return JsonBody.Invalid(errors);
        }
        var total = points.GetArrayLength();
        if (total > MaxPoints)
        {
            errors.Add("points", $"At most {MaxPoints} points per batch; got {total}.");
            return JsonBody.Invalid(errors);
        }

        var samples = new List<MetricSample>(total);
        var times = new List<long?>(total);
        var nonFinite = 0;
        var pointErrors = 0;
        var index = 0;
        foreach (var point in points.EnumerateArray())
        {
            var before = errors.Count;
            var prefix = $"points[{index}]";
            if (TryReadPoint(point, prefix, errors, out var sample, out var time))
            {
                samples.Add(sample);
                times.Add(time);
                if (!double.IsFinite(sample.Value)) nonFinite++;
            }
            if (errors.Count > before && ++pointErrors >= MaxReportedPointErrors)
            {
                errors.Add("points", $"Stopped after {MaxReportedPointErrors} invalid points.");
                break;
            }
            index++;
        }
        if (errors.Count > 0) return JsonBody.Invalid(errors);

        // Points without a "time" are stamped with the time the batch arrived.
        await ingestion.StoreAsync(id, samples, ct, times); // throws (500) rather than answer 200 for points not stored
        return TypedResults.Ok(new LogMetricsResult(samples.Count, nonFinite));
    }

    /// <summary>Optional per-point time, Unix milliseconds: from 2000-01-01 to 2100-01-01 (catches seconds sent as ms and vice versa).</summary>
    private const long MinTime = 946_684_800_000, MaxTime = 4_102_444_800_000;

    private static bool TryReadPoint(
        JsonElement point, string prefix, Dictionary<string, List<string>> errors, out MetricSample sample, out long? time)
    {
        sample = default;
        time = null;
        if (point.ValueKind != JsonValueKind.Object)
        {
            errors.Add(prefix, "Each point must be an object {key, step, value}.");
            return false;
        }
        var before = errors.Count;
        JsonBody.RejectUnknown(point, errors, prefix + ".", "key", "step", "value", "time");
        if (JsonBody.TryGet(point, "time", out var timeElement) && timeElement.ValueKind != JsonValueKind.Null)
        {
            if (timeElement.ValueKind != JsonValueKind.Number || !timeElement.TryGetInt64(out var t) || t is < MinTime or > MaxTime)
                errors.Add(prefix + ".time", "time must be an integer of Unix milliseconds between 2000-01-01 and 2100-01-01.");
            else time = t;
        }

        string key = "";
        if (!JsonBody.TryGet(point, "key", out var keyElement) || keyElement.ValueKind != JsonValueKind.String)
            errors.Add(prefix + ".key", "key is required and must be a string.");
        else
        {
            key = keyElement.GetString()!;
            if (key.Length is 0 or > MaxMetricKeyLength || !MetricKey().IsMatch(key))
                errors.Add(prefix + ".key", $"key must be 1 to {MaxMetricKeyLength} characters of A-Z a-z 0-9 _ . / @ = -.");
        }

        long step = 0;
        if (!JsonBody.TryGet(point, "step", out var stepElement) || stepElement.ValueKind != JsonValueKind.Number)
            errors.Add(prefix + ".step", "step is required and must be an integer.");
        else if (!stepElement.TryGetInt64(out step))
            errors.Add(prefix + ".step", "step must be an integer.");
        else if (step is < 0 or > MaxStep)
            errors.Add(prefix + ".step", $"step must be between 0 and {MaxStep}.");

        double value = 0;
        if (!JsonBody.TryGet(point, "value", out var valueElement))
            errors.Add(prefix + ".value", "value is required.");
        else if (valueElement.ValueKind == JsonValueKind.Number)
        {
            if (!valueElement.TryGetDouble(out value) || !double.IsFinite(value))
                errors.Add(prefix + ".value", "The number is out of range (send \"Infinity\" or \"-Infinity\" for infinities).");
        }
        else if (valueElement.ValueKind == JsonValueKind.String)
        {
            switch (valueElement.GetString())
            {
                case "NaN": value = double.NaN; break;
                case "Infinity": value = double.PositiveInfinity; break;
                case "-Infinity": value = double.NegativeInfinity; break;
                default: errors.Add(prefix + ".value", "value must be a number or one of \"NaN\", \"Infinity\", \"-Infinity\"."); break;
            }
        }
        else errors.Add(prefix + ".value", "value must be a number or one of \"NaN\", \"Infinity\", \"-Infinity\".");

        if (errors.Count > before) return false;
        sample = new MetricSample(key, step, value);
        return true;
    }

    // ---- PUT /api/runs/{id}/status ----------------------------------------------------------------------------

    private static async Task<IResult> SetStatusAsync(
        long id, HttpContext context, ClaimsPrincipal user, IDbContextFactory<LabDbContext> dbFactory,
        MetricIngestion ingestion, RunEvents events, Compare.HistoryCompactor compactor, TimeProvider clock, CancellationToken ct)
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
        compactor.Schedule(run!.Id); // its histories packed for compare reads, in the background
        var updated = await db.Runs.AsNoTracking().FirstAsync(r => r.Id == run!.Id, ct);
        await events.PublishRunUpdatedAsync(updated.ToUpdateMessage());
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
