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

// POST /api/runs/external: a run trained elsewhere is created here, Running, owned by the caller.
public static partial class ExternalRunEndpoints
{
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
}
