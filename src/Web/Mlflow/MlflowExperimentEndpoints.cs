using System.Globalization;
using System.Security.Claims;
using LayerLab.Data;
using LayerLab.Data.Mlflow;
using LayerLab.Web.Runs;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Mlflow;

/// <summary>MLflow experiments: shared folders of runs; whoever creates one (or an admin) may rename, tag or delete it.</summary>
public static class MlflowExperimentEndpoints
{
    public const int MaxExperimentTags = 100;
    private const int DefaultSearchResults = 1000;
    private const int MaxSearchResults = 50_000;

    public static async Task<IResult> CreateAsync(HttpContext http, MlflowServices s, CancellationToken ct)
    {
        using var args = await MlflowArgs.ReadAsync(http, ct);
        var name = args.RequiredString("name", MlflowExperiment.MaxNameLength).Trim();
        if (name.Length == 0 || name.Any(char.IsControl)) throw MlflowException.Invalid("Invalid experiment name: it must be non-empty, without control characters.");
        var location = args.String("artifact_location", 1000);
        var tags = MlflowTags.Read(args.Array("tags", MaxExperimentTags), "tags");
        var now = s.NowMs;
        await using var db = await s.DbFactory.CreateDbContextAsync(ct);
        if (await db.MlflowExperiments.AnyAsync(e => e.Name == name, ct))
            throw new MlflowException(MlflowException.ResourceAlreadyExists, $"Experiment '{name}' already exists.");
        var experiment = new MlflowExperiment
        {
            Name = name, ArtifactLocation = location, LifecycleStage = MlflowModel.Active, CreatedAt = now, LastUpdatedAt = now,
            OwnerId = RunActor.From(http.User).UserId,
        };
        db.MlflowExperiments.Add(experiment);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            throw new MlflowException(MlflowException.ResourceAlreadyExists, $"Experiment '{name}' already exists.");
        }
        foreach (var (key, value) in tags) db.MlflowExperimentTags.Add(new MlflowExperimentTag { ExperimentId = experiment.Id, Key = key, Value = value });
        await db.SaveChangesAsync(ct);
        return MlflowEndpoints.Ok(new { experiment_id = experiment.Id.ToString(CultureInfo.InvariantCulture) });
    }

    public static async Task<IResult> GetAsync(HttpContext http, MlflowServices s, CancellationToken ct)
    {
        using var args = await MlflowArgs.ReadAsync(http, ct);
        var id = ParseId(args.RequiredString("experiment_id", 32));
        await using var db = await s.DbFactory.CreateDbContextAsync(ct);
        var experiment = await db.MlflowExperiments.AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, ct)
            ?? throw MlflowException.NotFound($"No Experiment with id={id} exists");
        return MlflowEndpoints.Ok(new { experiment = await DtoAsync(db, experiment, ct) });
    }

    public static async Task<IResult> GetByNameAsync(HttpContext http, MlflowServices s, CancellationToken ct)
    {
        using var args = await MlflowArgs.ReadAsync(http, ct);
        var name = args.RequiredString("experiment_name", MlflowExperiment.MaxNameLength);
        await using var db = await s.DbFactory.CreateDbContextAsync(ct);
        var experiment = await db.MlflowExperiments.AsNoTracking().FirstOrDefaultAsync(e => e.Name == name, ct)
            ?? throw MlflowException.NotFound($"Could not find experiment with name '{name}'");
        return MlflowEndpoints.Ok(new { experiment = await DtoAsync(db, experiment, ct) });
    }

    /// <summary>Filter on name (=, !=, LIKE, ILIKE) and tags; order by name, creation_time, last_update_time. Evaluated
    /// in memory: experiments are folders (dozens to thousands), not runs.</summary>
    public static async Task<IResult> SearchAsync(HttpContext http, MlflowServices s, CancellationToken ct)
    {
        using var args = await MlflowArgs.ReadAsync(http, ct);
        var max = (int)Math.Clamp(args.Int64("max_results") ?? DefaultSearchResults, 0, long.MaxValue);
        if (max is < 1 or > MaxSearchResults) throw MlflowException.Invalid($"Invalid value for max_results: it must be 1 to {MaxSearchResults}.");
        var stages = MlflowRunSearch.Stages(args.String("view_type", 32));
        IReadOnlyList<MlflowCondition> conditions;
        IReadOnlyList<MlflowOrderBy> order;
        try
        {
            conditions = MlflowFilter.Parse(args.String("filter", MlflowFilter.MaxLength));
            order = MlflowFilter.ParseOrderBy(args.StringList("order_by", MlflowFilter.MaxOrderBy, 500));
        }
        catch (FormatException ex)
        {
            throw MlflowException.Invalid(ex.Message);
        }
        var offset = MlflowRunSearch.ReadPageToken(args.String("page_token", 200));
        await using var db = await s.DbFactory.CreateDbContextAsync(ct);
        var experiments = await db.MlflowExperiments.AsNoTracking().Where(e => stages.Contains(e.LifecycleStage)).ToListAsync(ct);
        var tags = (await db.MlflowExperimentTags.AsNoTracking().ToListAsync(ct)).ToLookup(t => t.ExperimentId);
        IEnumerable<MlflowExperiment> matching = experiments.Where(e => conditions.All(c => Matches(e, tags[e.Id], c)));
        matching = Sort(matching, order);
        var page = matching.Skip(offset).Take(max + 1).ToList();
        var dtos = page.Take(max).Select(e => MlflowExperimentDto.From(e, tags[e.Id].Select(t => new MlflowKeyValue(t.Key, t.Value)).ToList())).ToList();
        return MlflowEndpoints.Ok(new { experiments = dtos, next_page_token = page.Count > max ? MlflowRunSearch.PageToken(offset + max) : null });
    }

    private static bool Matches(MlflowExperiment e, IEnumerable<MlflowExperimentTag> tags, MlflowCondition c)
    {
        string? actual = c.Entity switch
        {
            MlflowEntity.Attribute when c.Key is "name" or "run_name" => e.Name,
            MlflowEntity.Tag => tags.FirstOrDefault(t => t.Key == c.Key)?.Value,
            _ => throw MlflowException.Invalid($"Experiments are searched by name and tags only (got '{c.Key}')."),
        };
        return actual is not null && MlflowStrings.Compare(actual, c.Comparator, c.Value);
    }

    private static IEnumerable<MlflowExperiment> Sort(IEnumerable<MlflowExperiment> experiments, IReadOnlyList<MlflowOrderBy> order)
    {
        if (order.Count == 0) return experiments.OrderByDescending(e => e.CreatedAt).ThenBy(e => e.Id);
        IOrderedEnumerable<MlflowExperiment>? sorted = null;
        foreach (var o in order)
        {
            Func<MlflowExperiment, object> key = o.Key switch
            {
                "name" => e => e.Name,
                "creation_time" => e => e.CreatedAt,
                "last_update_time" => e => e.LastUpdatedAt,
                "experiment_id" => e => e.Id,
                _ => throw MlflowException.Invalid($"Invalid order_by key '{o.Key}': one of name, creation_time, last_update_time, experiment_id."),
            };
            sorted = sorted is null
                ? (o.Ascending ? experiments.OrderBy(key, Comparer<object>.Default) : experiments.OrderByDescending(key, Comparer<object>.Default))
                : (o.Ascending ? sorted.ThenBy(key, Comparer<object>.Default) : sorted.ThenByDescending(key, Comparer<object>.Default));
        }
        return sorted!.ThenBy(e => e.Id);
    }

    public static async Task<IResult> UpdateAsync(HttpContext http, MlflowServices s, CancellationToken ct)
    {
        using var args = await MlflowArgs.ReadAsync(http, ct);
        var id = ParseId(args.RequiredString("experiment_id", 32));
        var newName = args.String("new_name", MlflowExperiment.MaxNameLength)?.Trim();
        if (string.IsNullOrEmpty(newName) || newName.Any(char.IsControl)) throw MlflowException.Invalid("Missing or invalid value for 'new_name'.");
        await using var db = await s.DbFactory.CreateDbContextAsync(ct);
        var experiment = await WritableAsync(db, id, http.User, ct);
        if (experiment.LifecycleStage != MlflowModel.Active) throw MlflowException.Invalid("Cannot rename a non-active experiment.");
        if (await db.MlflowExperiments.AnyAsync(e => e.Name == newName && e.Id != id, ct))
            throw new MlflowException(MlflowException.ResourceAlreadyExists, $"Experiment '{newName}' already exists.");
        experiment.Name = newName;
        experiment.LastUpdatedAt = s.NowMs;
        await db.SaveChangesAsync(ct);
        return MlflowEndpoints.Empty();
    }

    public static Task<IResult> DeleteAsync(HttpContext http, MlflowServices s, CancellationToken ct) =>
        SetStageAsync(http, s, MlflowModel.Deleted, ct);

    public static Task<IResult> RestoreAsync(HttpContext http, MlflowServices s, CancellationToken ct) =>
        SetStageAsync(http, s, MlflowModel.Active, ct);

    /// <summary>MLflow's soft delete: the experiment and its runs are hidden from searches, kept, and restorable.</summary>
    private static async Task<IResult> SetStageAsync(HttpContext http, MlflowServices s, string stage, CancellationToken ct)
    {
        using var args = await MlflowArgs.ReadAsync(http, ct);
        var id = ParseId(args.RequiredString("experiment_id", 32));
        if (id == MlflowExperiment.DefaultId && stage == MlflowModel.Deleted) throw MlflowException.Invalid("Cannot delete the default experiment '0'.");
        await using var db = await s.DbFactory.CreateDbContextAsync(ct);
        var experiment = await WritableAsync(db, id, http.User, ct);
        experiment.LifecycleStage = stage;
        experiment.LastUpdatedAt = s.NowMs;
        await db.SaveChangesAsync(ct);
        return MlflowEndpoints.Empty();
    }

    public static async Task<IResult> SetTagAsync(HttpContext http, MlflowServices s, CancellationToken ct)
    {
        using var args = await MlflowArgs.ReadAsync(http, ct);
        var id = ParseId(args.RequiredString("experiment_id", 32));
        var (key, value) = MlflowTags.Validate(args.RequiredString("key", MlflowRunTag.MaxKeyLength), args.String("value", MlflowRunTag.MaxValueLength) ?? "", "key");
        await using var db = await s.DbFactory.CreateDbContextAsync(ct);
        var experiment = await WritableAsync(db, id, http.User, ct);
        if (experiment.LifecycleStage != MlflowModel.Active) throw MlflowException.Invalid("The experiment must be in the 'active' state.");
        var tag = await db.MlflowExperimentTags.FirstOrDefaultAsync(t => t.ExperimentId == id && t.Key == key, ct);
        if (tag is null)
        {
            if (await db.MlflowExperimentTags.CountAsync(t => t.ExperimentId == id, ct) >= MaxExperimentTags)
                throw MlflowException.Invalid($"An experiment has at most {MaxExperimentTags} tags.");
            db.MlflowExperimentTags.Add(new MlflowExperimentTag { ExperimentId = id, Key = key, Value = value });
        }
        else tag.Value = value;
        await db.SaveChangesAsync(ct);
        return MlflowEndpoints.Empty();
    }

    /// <summary>Loads (tracked) an experiment the caller may change: its creator or an admin; Default only admins.</summary>
    private static async Task<MlflowExperiment> WritableAsync(LabDbContext db, long id, ClaimsPrincipal user, CancellationToken ct)
    {
        var experiment = await db.MlflowExperiments.FirstOrDefaultAsync(e => e.Id == id, ct)
            ?? throw MlflowException.NotFound($"No Experiment with id={id} exists");
        if (!RunActor.From(user).MayChangeRunOf(experiment.OwnerId))
            throw MlflowException.Denied($"Experiment {id} belongs to someone else; only its creator or an admin may change it.");
        return experiment;
    }

    public static async Task<MlflowExperimentDto> DtoAsync(LabDbContext db, MlflowExperiment experiment, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(experiment);
        var tags = await db.MlflowExperimentTags.AsNoTracking().Where(t => t.ExperimentId == experiment.Id)
            .OrderBy(t => t.Key).Select(t => new MlflowKeyValue(t.Key, t.Value)).ToListAsync(ct);
        return MlflowExperimentDto.From(experiment, tags);
    }

    public static long ParseId(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id : throw MlflowException.NotFound($"No Experiment with id={MlflowArgs.Shorten(text)} exists");
}
