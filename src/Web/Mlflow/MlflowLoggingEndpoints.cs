using System.Globalization;
using System.Text;
using System.Text.Json;
using LayerLab.Data.Runs;
using LayerLab.Training.Contracts;
using LayerLab.Web.ExternalRuns;
using LayerLab.Web.Runs;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Mlflow;

/// <summary>
/// log-metric, log-parameter, set-tag, delete-tag, log-batch and metric history. Metrics go through LayerLab's one
/// metric writer (<see cref="Ingestion.MetricIngestion"/>): stored idempotently on (run, key, step) with MLflow's
/// timestamp, then streamed live. A 200 means stored.
/// </summary>
public static class MlflowLoggingEndpoints
{
    /// <summary>MLflow's log-batch limits (mlflow/utils/validation.py MAX_METRICS_PER_BATCH, MAX_PARAMS_TAGS_PER_BATCH).</summary>
    public const int MaxMetricsPerBatch = 1000, MaxParamsPerBatch = 100, MaxTagsPerBatch = 100;
    public const int MaxHistoryResults = 25_000;

    public static async Task<IResult> LogMetricAsync(HttpContext http, MlflowServices s, CancellationToken ct)
    {
        using var args = await MlflowArgs.ReadAsync(http, ct);
        var runId = await MetricWritableAsync(http, s, args.RunId(), ct);
        var (sample, time) = ReadMetric(args.Root, s.NowMs);
        await s.Ingestion.StoreAsync(runId, [sample], ct, [time]);
        return MlflowEndpoints.Empty();
    }

    public static async Task<IResult> LogParamAsync(HttpContext http, MlflowServices s, CancellationToken ct)
    {
        using var args = await MlflowArgs.ReadAsync(http, ct);
        var key = args.RequiredString("key", MlflowTags.MaxParamKeyLength);
        var value = args.String("value", MlflowTags.MaxParamValueLength) ?? "";
        var param = MlflowTags.Validate(key, value, "key");
        await WriteParamsAndTagsAsync(http, s, args.RunId(), [param], [], null, ct);
        return MlflowEndpoints.Empty();
    }

    public static async Task<IResult> SetTagAsync(HttpContext http, MlflowServices s, CancellationToken ct)
    {
        using var args = await MlflowArgs.ReadAsync(http, ct);
        var tag = MlflowTags.Validate(args.RequiredString("key", Data.Mlflow.MlflowRunTag.MaxKeyLength),
            args.String("value", Data.Mlflow.MlflowRunTag.MaxValueLength) ?? "", "key");
        await WriteParamsAndTagsAsync(http, s, args.RunId(), [], [tag], null, ct);
        return MlflowEndpoints.Empty();
    }

    public static async Task<IResult> DeleteTagAsync(HttpContext http, MlflowServices s, CancellationToken ct)
    {
        using var args = await MlflowArgs.ReadAsync(http, ct);
        var key = args.RequiredString("key", Data.Mlflow.MlflowRunTag.MaxKeyLength);
        await WriteParamsAndTagsAsync(http, s, args.RunId(), [], [], key, ct);
        return MlflowEndpoints.Empty();
    }

    /// <summary>Everything is validated before anything is stored: an invalid entry or a changed param stores nothing.</summary>
    public static async Task<IResult> LogBatchAsync(HttpContext http, MlflowServices s, CancellationToken ct)
    {
        using var args = await MlflowArgs.ReadAsync(http, ct);
        var runIdText = args.RunId();
        var metricElements = args.Array("metrics", MaxMetricsPerBatch);
        var parameters = MlflowTags.Read(args.Array("params", MaxParamsPerBatch), "params", MlflowTags.MaxParamValueLength);
        var tags = MlflowTags.Read(args.Array("tags", MaxTagsPerBatch), "tags");
        var now = s.NowMs;
        var samples = new List<MetricSample>(metricElements.Count);
        var times = new List<long?>(metricElements.Count);
        foreach (var element in metricElements)
        {
            var (sample, time) = ReadMetric(element, now);
            samples.Add(sample);
            times.Add(time);
        }
        long runId;
        if (parameters.Count > 0 || tags.Count > 0)
        {
            runId = await WriteParamsAndTagsAsync(http, s, runIdText, parameters, tags, null, ct, requireRunning: samples.Count > 0);
        }
        else runId = await MetricWritableAsync(http, s, runIdText, ct);
        if (samples.Count > 0) await s.Ingestion.StoreAsync(runId, samples, ct, times);
        return MlflowEndpoints.Empty();
    }

    /// <summary>Datasets have no home in LayerLab yet: accepted (so autologging does not fail) and not stored.</summary>
    public static async Task<IResult> LogInputsAsync(HttpContext http, MlflowServices s, CancellationToken ct)
    {
        using var args = await MlflowArgs.ReadAsync(http, ct);
        await using var db = await s.DbFactory.CreateDbContextAsync(ct);
        await MlflowRunReader.FindWritableAsync(db, args.RunId(), http.User, ct);
        return MlflowEndpoints.Empty();
    }

    /// <summary>One metric's points in step order, <c>max_results</c> (≤ 25,000, MLflow's client page) at a time.</summary>
    public static async Task<IResult> GetHistoryAsync(HttpContext http, MlflowServices s, CancellationToken ct)
    {
        using var args = await MlflowArgs.ReadAsync(http, ct);
        var key = args.RequiredString("metric_key", 250);
        var max = args.Int64("max_results") ?? MaxHistoryResults;
        if (max is < 1 or > MaxHistoryResults) throw MlflowException.Invalid($"Invalid value for max_results: it must be 1 to {MaxHistoryResults}.");
        var after = ReadStepToken(args.String("page_token", 200));
        await using var db = await s.DbFactory.CreateDbContextAsync(ct);
        var (run, _) = await MlflowRunReader.FindAsync(db, args.RunId(), ct);
        var points = new List<MlflowMetricDto>();
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT \"Step\", \"Value\", \"At\" FROM \"MetricPoints\" WHERE \"RunId\" = $run AND \"Key\" = $key AND \"Step\" > $after ORDER BY \"Step\" LIMIT $take";
            command.Parameters.AddWithValue("$run", run.Id);
            command.Parameters.AddWithValue("$key", key);
            command.Parameters.AddWithValue("$after", after);
            command.Parameters.AddWithValue("$take", max + 1);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                points.Add(new MlflowMetricDto(key, reader.IsDBNull(1) ? double.NaN : reader.GetDouble(1), reader.IsDBNull(2) ? 0 : reader.GetInt64(2), reader.GetInt64(0)));
        }
        string? next = null;
        if (points.Count > max)
        {
            points.RemoveAt(points.Count - 1);
            next = Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { after_step = points[^1].Step })));
        }
        return MlflowEndpoints.Ok(new { metrics = points, next_page_token = next });
    }

    private static long ReadStepToken(string? token)
    {
        if (string.IsNullOrEmpty(token)) return long.MinValue;
        try
        {
            using var document = JsonDocument.Parse(Convert.FromBase64String(token));
            return document.RootElement.GetProperty("after_step").GetInt64();
        }
        catch (Exception ex) when (ex is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw MlflowException.Invalid("Invalid page token.");
        }
    }

    /// <summary>One Metric message {key, value, timestamp, step}; step 0 when absent (as MLflow), timestamp "now" when absent.</summary>
    private static (MetricSample Sample, long? Time) ReadMetric(JsonElement metric, long now)
    {
        if (metric.ValueKind != JsonValueKind.Object) throw MlflowException.Invalid("Each metric must be an object {key, value, timestamp, step}.");
        var key = metric.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString()! : null;
        if (string.IsNullOrEmpty(key)) throw MlflowException.Invalid("Missing value for required parameter 'key'.");
        if (key.Length > MlflowTags.MaxMetricKeyLength || !MlflowTags.ValidName(key))
            throw MlflowException.Invalid(key.Length > MlflowTags.MaxMetricKeyLength
                ? $"Metric key '{MlflowArgs.Shorten(key)}' is longer than {MlflowTags.MaxMetricKeyLength} characters."
                : MlflowTags.NameMessage(key, "key"));
        if (!metric.TryGetProperty("value", out var v)) throw MlflowException.Invalid($"Missing value for required parameter 'value' of metric '{key}'.");
        var value = MlflowArgs.ReadDouble("value", v);
        var step = metric.TryGetProperty("step", out var st) ? MlflowArgs.ReadInt64("step", st) ?? 0 : 0;
        if (step is < 0 or > ExternalRunEndpoints.MaxStep)
            throw MlflowException.Invalid($"Invalid value {step} for parameter 'step' of metric '{key}': LayerLab keeps steps from 0 to {ExternalRunEndpoints.MaxStep}.");
        var time = metric.TryGetProperty("timestamp", out var ts) ? MlflowArgs.ReadInt64("timestamp", ts) : null;
        return (new MetricSample(key, step, value), MlflowRunEndpoints.Time(time, "timestamp") ?? now);
    }

    /// <summary>
    /// The run id a metric may be logged to: an active MLflow run the caller owns (or admin), still RUNNING. The hot
    /// path (many batches a second) answers from <see cref="RunningExternalRunCache"/> without a query.
    /// </summary>
    private static async Task<long> MetricWritableAsync(HttpContext http, MlflowServices s, string runIdText, CancellationToken ct)
    {
        if (long.TryParse(runIdText, NumberStyles.None, CultureInfo.InvariantCulture, out var id) &&
            s.RunningRuns.TryGetRunning(id, out var owner) && RunActor.From(http.User).MayChangeRunOf(owner))
            return id;
        var generation = s.RunningRuns.Generation;
        await using var db = await s.DbFactory.CreateDbContextAsync(ct);
        var (run, _) = await MlflowRunReader.FindWritableAsync(db, runIdText, http.User, ct);
        RequireRunning(run);
        s.RunningRuns.Store(run.Id, run.SubmittedById, generation);
        return run.Id;
    }

    private static async Task<long> WriteParamsAndTagsAsync(
        HttpContext http, MlflowServices s, string runIdText, List<(string Key, string Value)> parameters,
        List<(string Key, string Value)> tags, string? deleteTag, CancellationToken ct, bool requireRunning = false)
    {
        await using var db = await s.DbFactory.CreateDbContextAsync(ct);
        var (run, _) = await MlflowRunReader.FindWritableAsync(db, runIdText, http.User, ct);
        // Params are part of a run's configuration (the leaderboard groups by them): fixed once the run has ended.
        if (parameters.Count > 0 || requireRunning) RequireRunning(run);
        await MlflowRunWriter.ApplyAsync(db, run.Id, parameters, tags, deleteTag, ct);
        if (tags.Any(t => t.Key is MlflowRunWriter.RunNameTag or MlflowRunWriter.SourceNameTag or MlflowRunWriter.UserTag))
        {
            var updated = await db.Runs.AsNoTracking().FirstAsync(r => r.Id == run.Id, ct);
            await s.Events.PublishRunUpdatedAsync(updated.ToUpdateMessage());
        }
        return run.Id;
    }

    private static void RequireRunning(Run run)
    {
        if (run.Status != RunStatus.Running)
            throw MlflowException.Invalid($"Run {run.Id} is {MlflowStatus.Of(run.Status)}: LayerLab takes metrics and params only while a run is RUNNING.");
    }
}
