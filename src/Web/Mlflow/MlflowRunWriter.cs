using System.Text.Json;
using LayerLab.Data;
using LayerLab.Data.Mlflow;
using LayerLab.Data.Runs;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Mlflow;

/// <summary>
/// Writes params and tags onto a run. Params live in the run's <c>ParametersJson</c> as strings (so they list, diff and
/// group like any run's parameters); a param once logged keeps its value (MLflow's rule: the same value again is fine,
/// another is INVALID_PARAMETER_VALUE). Read-check-write per run is serialized by a striped lock: the web process is
/// SQLite's only writer, so an in-process lock is enough.
/// </summary>
public static class MlflowRunWriter
{
    public const int MaxParamsPerRun = 1000;
    public const int MaxTagsPerRun = 1000;
    public const string RunNameTag = "mlflow.runName";
    public const string SourceNameTag = "mlflow.source.name";
    public const string UserTag = "mlflow.user";

    private static readonly SemaphoreSlim[] Stripes = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public static async Task ApplyAsync(
        LabDbContext db, long runId, IReadOnlyList<(string Key, string Value)> parameters, IReadOnlyList<(string Key, string Value)> tags,
        string? deleteTag, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(tags);
        // Within one request the same param twice must agree too.
        var batch = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in parameters)
        {
            if (batch.TryGetValue(key, out var earlier) && earlier != value)
                throw MlflowException.Invalid($"Duplicate parameter keys have been submitted: '{MlflowArgs.Shorten(key)}' with different values.");
            batch[key] = value;
        }
        var stripe = Stripes[(int)(runId % Stripes.Length)];
        await stripe.WaitAsync(ct);
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var run = await db.Runs.FirstAsync(r => r.Id == runId, ct);
            if (batch.Count > 0)
            {
                var current = run.Parameters();
                foreach (var (key, value) in batch)
                {
                    if (!current.TryGetValue(key, out var old)) continue;
                    var oldText = RunJson.TextOf(old);
                    if (oldText != value)
                        throw MlflowException.Invalid(
                            $"Changing param values is not allowed. Param with key='{MlflowArgs.Shorten(key)}' was already logged with value='{MlflowArgs.Shorten(oldText ?? "")}' for run ID='{runId}'. Attempted logging new value '{MlflowArgs.Shorten(value)}'.");
                }
                foreach (var (key, value) in batch) current[key] = JsonSerializer.SerializeToElement(value);
                if (current.Count > MaxParamsPerRun) throw MlflowException.Invalid($"A run has at most {MaxParamsPerRun} params.");
                run.ParametersJson = JsonSerializer.Serialize(current);
            }
            if (tags.Count > 0 || deleteTag is not null)
            {
                var keys = tags.Select(t => t.Key).Append(deleteTag ?? "").Distinct().ToList();
                var existing = await db.MlflowRunTags.Where(t => t.RunId == runId && keys.Contains(t.Key)).ToDictionaryAsync(t => t.Key, ct);
                if (deleteTag is not null)
                {
                    if (!existing.Remove(deleteTag, out var gone))
                        throw MlflowException.NotFound($"No tag with name: {MlflowArgs.Shorten(deleteTag)} in run with id {runId}");
                    db.MlflowRunTags.Remove(gone);
                }
                var added = 0;
                foreach (var (key, value) in tags)
                {
                    if (existing.TryGetValue(key, out var tag)) tag.Value = value;
                    else
                    {
                        db.MlflowRunTags.Add(existing[key] = new MlflowRunTag { RunId = runId, Key = key, Value = value });
                        added++;
                    }
                }
                if (added > 0 && await db.MlflowRunTags.CountAsync(t => t.RunId == runId, ct) + added > MaxTagsPerRun)
                    throw MlflowException.Invalid($"A run has at most {MaxTagsPerRun} tags.");
                foreach (var (key, value) in tags.Where(t => t.Key == RunNameTag && t.Value.Length is > 0 and <= 200)) run.Name = value;
                if (tags.Any(t => t.Key is SourceNameTag or UserTag))
                {
                    var all = await db.MlflowRunTags.AsNoTracking().Where(t => t.RunId == runId && (t.Key == SourceNameTag || t.Key == UserTag))
                        .ToDictionaryAsync(t => t.Key, t => t.Value, ct);
                    foreach (var (key, value) in tags) all[key] = value;
                    run.Origin = Origin(all.GetValueOrDefault(SourceNameTag), all.GetValueOrDefault(UserTag));
                }
            }
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
        finally
        {
            stripe.Release();
        }
    }

    /// <summary>"MLflow · train.py · alice" for the run list: the script's file name (not its whole path) and the local user.</summary>
    public static string Origin(string? sourceName, string? user)
    {
        var parts = new List<string> { "MLflow" };
        if (!string.IsNullOrWhiteSpace(sourceName))
        {
            var trimmed = sourceName.TrimEnd('/', '\\');
            var slash = trimmed.LastIndexOfAny(['/', '\\']);
            parts.Add(slash >= 0 && slash < trimmed.Length - 1 ? trimmed[(slash + 1)..] : trimmed);
        }
        if (!string.IsNullOrWhiteSpace(user)) parts.Add(user);
        var text = string.Join(" · ", parts);
        return text.Length <= 300 ? text : text[..299] + "…";
    }
}
