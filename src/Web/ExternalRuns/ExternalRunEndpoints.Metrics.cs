using System.Security.Claims;
using System.Text.Json;
using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Training.Contracts;
using LayerLab.Web.Accounts;
using LayerLab.Web.Ingestion;
using LayerLab.Web.Live;
using LayerLab.Web.Runs;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.ExternalRuns;

// POST /api/runs/{id}/metrics: a batch of points for one's own Running external run, validated point by point.
public static partial class ExternalRunEndpoints
{
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
}
