using System.Security.Claims;
using System.Text.Json;
using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Training.Contracts;
using LayerLab.Web.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Runs;

/// <summary>The HTTP API for runs: submit, list, read, metrics, cancel.</summary>
public static class RunEndpoints
{
    public static IEndpointRouteBuilder MapRunApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization(LabPolicies.Read);
        api.MapGet("/info", (Microsoft.Extensions.Options.IOptions<PortalInfoOptions> options) => new
        {
            instanceName = options.Value.InstanceName,
            device = Training.TrainingDevice.Describe(Training.TrainingDevice.Pick()),
            version = typeof(RunEndpoints).Assembly.GetName().Version?.ToString(),
        });
        api.MapGet("/experiments", (ExperimentCatalog catalog) => catalog.All.Select(ExperimentDto.From));
        api.MapPost("/runs", SubmitAsync).RequireAuthorization(LabPolicies.Submit);
        api.MapGet("/runs", ListAsync);
        api.MapGet("/runs/{id:long}", GetAsync);
        api.MapGet("/runs/{id:long}/metrics", MetricsAsync).Produces<RunMetricsDto>().Produces(StatusCodes.Status404NotFound);
        api.MapPost("/runs/{id:long}/cancel", CancelAsync).RequireAuthorization(LabPolicies.Submit);
        api.MapPost("/runs/{id:long}/reproduce", ReproduceAsync).RequireAuthorization(LabPolicies.Submit);
        return app;
    }

    private static async Task<Results<Created<RunDto>, ValidationProblem>> SubmitAsync(
        SubmitRunBody body, ClaimsPrincipal user, RunSubmission submission, IDbContextFactory<LabDbContext> dbFactory, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var raw = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, value) in body.Parameters ?? [])
        {
            var text = ParameterText.Of(value);
            if (text is null) errors[$"parameters.{name}"] = [$"{name} must be a number, string or boolean."];
            else raw[name] = text;
        }
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var result = await submission.SubmitAsync(new SubmitRunRequest(body.Experiment ?? "", raw, body.Seed), RunActor.From(user), ct);
        if (!result.Succeeded)
            return TypedResults.ValidationProblem(result.Errors.ToDictionary(e => FieldName(e.Key), e => new[] { e.Value }));
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.AsNoTracking().FirstAsync(r => r.Id == result.RunId, ct);
        return TypedResults.Created($"/api/runs/{run.Id}", RunDto.From(run));
    }

    private static async Task<Results<Created<RunDto>, ValidationProblem>> ReproduceAsync(
        long id, ClaimsPrincipal user, RunReproduction reproduction, IDbContextFactory<LabDbContext> dbFactory, CancellationToken ct)
    {
        var result = await reproduction.StartAsync(id, RunActor.From(user), ct);
        if (!result.Succeeded) return TypedResults.ValidationProblem(result.Errors.ToDictionary(e => e.Key, e => new[] { e.Value }));
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.AsNoTracking().FirstAsync(r => r.Id == result.RunId, ct);
        return TypedResults.Created($"/api/runs/{run.Id}", RunDto.From(run));
    }

    private static string FieldName(string key) => key is "experiment" or "seed" ? key : $"parameters.{key}";

    private static async Task<IEnumerable<RunDto>> ListAsync(
        IDbContextFactory<LabDbContext> dbFactory, CancellationToken ct, int take = 100, int skip = 0,
        string? experiment = null, RunStatus? status = null, RunSource? source = null)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.Runs.AsNoTracking();
        if (!string.IsNullOrEmpty(experiment)) query = query.Where(r => r.ExperimentKey == experiment);
        if (status is { } wantedStatus) query = query.Where(r => r.Status == wantedStatus);
        if (source is { } wantedSource) query = query.Where(r => r.Source == wantedSource);
        var runs = await query.OrderByDescending(r => r.Id).Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, 1000)).ToListAsync(ct);
        return runs.Select(RunDto.From);
    }

    private static async Task<Results<Ok<RunDto>, NotFound>> GetAsync(long id, IDbContextFactory<LabDbContext> dbFactory, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct);
        return run is null ? TypedResults.NotFound() : TypedResults.Ok(RunDto.From(run));
    }

    private static async Task<IResult> MetricsAsync(long id, IDbContextFactory<LabDbContext> dbFactory, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.Runs.AnyAsync(r => r.Id == id, ct)) return TypedResults.NotFound();
        return new RunMetricsStream(id, dbFactory);
    }

    private static async Task<Results<Accepted, NotFound, Conflict<string>, ForbidHttpResult>> CancelAsync(
        long id, ClaimsPrincipal user, RunCommands commands, CancellationToken ct) =>
        await commands.CancelAsync(id, RunActor.From(user), ct) switch
        {
            CancelOutcome.NotFound => TypedResults.NotFound(),
            CancelOutcome.Forbidden => TypedResults.Forbid(),
            CancelOutcome.AlreadyFinished => TypedResults.Conflict("The run has already finished."),
            _ => TypedResults.Accepted($"/api/runs/{id}"),
        };
}

public sealed record ParameterDto(string Name, string Kind, string Default, string Help, double? Min, double? Max, IReadOnlyList<string>? Choices);

public sealed record ExperimentDto(string Key, string Title, string Paper, string PaperUrl, string Claim,
    IReadOnlyList<ParameterDto> Parameters, IReadOnlyList<MetricDefinition> Metrics, string PrimaryMetric)
{
    public static ExperimentDto From(IExperiment e) => new(e.Key, e.Title, e.Paper, e.PaperUrl, e.Claim,
        e.Parameters.Select(p => new ParameterDto(p.Name, p.Kind.ToString(), p.DefaultText, p.Help, p.Min, p.Max, p.Choices)).ToList(),
        e.Metrics, e.PrimaryMetric);
}
