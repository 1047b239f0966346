using System.Security.Cryptography;
using LayerLab.Data.Mlflow;
using LayerLab.Data.Runs;
using LayerLab.Web.ExternalRuns;
using LayerLab.Web.Runs;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Mlflow;

/// <summary>
/// MLflow runs are LayerLab external runs (experiment "external", worker "mlflow") with an <see cref="MlflowRun"/> row:
/// they list, stream, chart, compare and rank like any run. MLflow's string run id is the LayerLab run id.
/// </summary>
public static class MlflowRunEndpoints
{
    public const int MaxCreateTags = 100;
    /// <summary>Times MLflow clients send (Unix ms) must fall in 2000–2100: catches seconds or microseconds sent by mistake.</summary>
    public const long MinTimeMs = 946_684_800_000, MaxTimeMs = 4_102_444_800_000;

    public static async Task<IResult> CreateAsync(HttpContext http, MlflowServices s, CancellationToken ct)
    {
        using var args = await MlflowArgs.ReadAsync(http, ct);
        var experimentId = MlflowExperimentEndpoints.ParseId(args.String("experiment_id", 32) is { Length: > 0 } e ? e : "0");
        var userId = args.String("user_id", 256);
        var startTime = Time(args.Int64("start_time"), "start_time") ?? s.NowMs;
        var tags = MlflowTags.Read(args.Array("tags", MaxCreateTags), "tags");
        var runName = args.String("run_name", 200);
        runName = string.IsNullOrEmpty(runName) ? tags.LastOrDefault(t => t.Key == MlflowRunWriter.RunNameTag).Value : runName;
        if (string.IsNullOrEmpty(runName) || runName.Length > 200 || runName.Any(char.IsControl)) runName = RandomName();
        var user = tags.LastOrDefault(t => t.Key == MlflowRunWriter.UserTag).Value ?? userId;

        var actor = RunActor.From(http.User);
        await using var db = await s.DbFactory.CreateDbContextAsync(ct);
        var experiment = await db.MlflowExperiments.AsNoTracking().FirstOrDefaultAsync(x => x.Id == experimentId, ct)
            ?? throw MlflowException.NotFound($"No Experiment with id={experimentId} exists");
        if (experiment.LifecycleStage != MlflowModel.Active)
            throw MlflowException.Invalid($"The experiment {experimentId} must be in the 'active' state. Current state is {experiment.LifecycleStage}.");

        var started = DateTimeOffset.FromUnixTimeMilliseconds(startTime);
        var run = new Run
        {
            ExperimentKey = ExternalRunEndpoints.ExperimentKey,
            ParametersJson = "{}",
            Status = RunStatus.Running,
            QueuedAt = started,
            StartedAt = started,
            Attempt = 1,
            Worker = "mlflow",
            SubmittedBy = actor.UserName,
            SubmittedById = actor.UserId,
            Source = RunSource.External,
            Name = runName,
            Origin = MlflowRunWriter.Origin(tags.LastOrDefault(t => t.Key == MlflowRunWriter.SourceNameTag).Value, user),
        };
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            db.Runs.Add(run);
            await db.SaveChangesAsync(ct);
            var mlflow = new MlflowRun { RunId = run.Id, ExperimentId = experimentId, LifecycleStage = MlflowModel.Active, UserId = user };
            db.MlflowRuns.Add(mlflow);
            var merged = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in tags) merged[key] = value;
            merged[MlflowRunWriter.RunNameTag] = runName; // as MLflow's server does: the name is also a tag
            foreach (var (key, value) in merged) db.MlflowRunTags.Add(new MlflowRunTag { RunId = run.Id, Key = key, Value = value });
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
        await s.Events.PublishRunUpdatedAsync(run.ToUpdateMessage());
        var (stored, row) = await MlflowRunReader.FindAsync(db, run.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
        return MlflowEndpoints.Ok(new { run = await MlflowRunReader.ReadAsync(db, stored, row, ct) });
    }

    public static async Task<IResult> GetAsync(HttpContext http, MlflowServices s, CancellationToken ct)
    {
        using var args = await MlflowArgs.ReadAsync(http, ct);
        await using var db = await s.DbFactory.CreateDbContextAsync(ct);
        var (run, mlflow) = await MlflowRunReader.FindAsync(db, args.RunId(), ct);
        return MlflowEndpoints.Ok(new { run = await MlflowRunReader.ReadAsync(db, run, mlflow, ct) });
    }

    /// <summary>
    /// Status, end time, name. FINISHED / FAILED / KILLED end a RUNNING run once (Succeeded / Failed / Cancelled), after
    /// every metric logged before the call is stored; repeating the run's current status is a no-op; reopening an ended
    /// run is refused (LayerLab runs end once).
    /// </summary>
    public static async Task<IResult> UpdateAsync(HttpContext http, MlflowServices s, CancellationToken ct)
    {
        using var args = await MlflowArgs.ReadAsync(http, ct);
        var statusText = args.String("status", 32);
        var endTime = Time(args.Int64("end_time"), "end_time");
        var runName = args.String("run_name", 200);
        if (runName is not null && (runName.Length == 0 || runName.Any(char.IsControl))) throw MlflowException.Invalid("Invalid run_name.");
        await using var db = await s.DbFactory.CreateDbContextAsync(ct);
        var (run, mlflow) = await MlflowRunReader.FindWritableAsync(db, args.RunId(), http.User, ct);
        if (runName is not null) await MlflowRunWriter.ApplyAsync(db, run.Id, [], [(MlflowRunWriter.RunNameTag, runName)], null, ct);

        var ended = false;
        if (statusText is { Length: > 0 } && MlflowStatus.Parse(statusText) is var status && status != run.Status)
        {
            if (run.Status != RunStatus.Running || status == RunStatus.Running)
                throw MlflowException.Invalid($"Run {run.Id} is {MlflowStatus.Of(run.Status)}; a LayerLab run ends once and cannot be set to {statusText}.");
            await s.Ingestion.FlushAsync(ct); // metrics logged before the call are stored before the run says it ended
            var finished = endTime is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : s.Clock.GetUtcNow();
            // The run's one "it ended" transition (as the ledger and the external API end theirs), at the client's
            // end time. An MLflow run has no summary, references, verdict, error or lease, so the fields it clears
            // were empty already: only status, end time and (when finished) progress change.
            var changed = await db.Runs.Where(r => r.Id == run.Id && r.Status == RunStatus.Running)
                .FinishAsync(new RunEnd(status), finished, ct);
            ended = changed > 0;
        }
        var (updated, row) = await MlflowRunReader.FindAsync(db, run.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
        await s.Events.PublishRunUpdatedAsync(updated.ToUpdateMessage());
        if (ended) await s.Finished.TellAsync(updated, ct);
        return MlflowEndpoints.Ok(new { run_info = MlflowRunInfoDto.From(updated, row) });
    }

    public static Task<IResult> DeleteAsync(HttpContext http, MlflowServices s, CancellationToken ct) => SetStageAsync(http, s, MlflowModel.Deleted, ct);

    public static Task<IResult> RestoreAsync(HttpContext http, MlflowServices s, CancellationToken ct) => SetStageAsync(http, s, MlflowModel.Active, ct);

    /// <summary>MLflow's soft delete: hidden from searches (unless asked for), kept, restorable; logging to it is refused.</summary>
    private static async Task<IResult> SetStageAsync(HttpContext http, MlflowServices s, string stage, CancellationToken ct)
    {
        using var args = await MlflowArgs.ReadAsync(http, ct);
        await using var db = await s.DbFactory.CreateDbContextAsync(ct);
        var (run, _) = await MlflowRunReader.FindAsync(db, args.RunId(), ct);
        if (!RunActor.From(http.User).MayChange(run)) throw MlflowException.Denied($"Run '{run.Id}' belongs to someone else.");
        await db.MlflowRuns.Where(m => m.RunId == run.Id).ExecuteUpdateAsync(u => u.SetProperty(m => m.LifecycleStage, stage), ct);
        s.RunningRuns.Invalidate(run.Id); // the metric path's ownership cache must not outlive the delete
        return MlflowEndpoints.Empty();
    }

    public static long? Time(long? ms, string field) =>
        ms is null or 0 ? null
        : ms is < MinTimeMs or > MaxTimeMs ? throw MlflowException.Invalid($"Invalid value {ms} for parameter '{field}': Unix milliseconds between 2000-01-01 and 2100-01-01.")
        : ms;

    /// <summary>MLflow's servers name unnamed runs with two words and a number; so does this.</summary>
    private static string RandomName()
    {
        string[] adjectives = ["brave", "calm", "clever", "bold", "bright", "gentle", "quick", "quiet", "sharp", "steady", "swift", "wise"];
        string[] nouns = ["otter", "falcon", "heron", "lynx", "moth", "owl", "panda", "robin", "seal", "tern", "wren", "yak"];
        return $"{adjectives[RandomNumberGenerator.GetInt32(adjectives.Length)]}-{nouns[RandomNumberGenerator.GetInt32(nouns.Length)]}-{RandomNumberGenerator.GetInt32(1000)}";
    }
}
