using LayerLab.Data;
using LayerLab.Web.Accounts;
using LayerLab.Web.ExternalRuns;
using LayerLab.Web.Ingestion;
using LayerLab.Web.Live;
using LayerLab.Web.Runs;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Mlflow;

/// <summary>What every MLflow endpoint needs, injected as one.</summary>
public sealed class MlflowServices(
    IDbContextFactory<LabDbContext> dbFactory, MetricIngestion ingestion, RunEvents events, RunFinishedSubscribers finished,
    RunningExternalRunCache runningRuns, TimeProvider clock)
{
    public IDbContextFactory<LabDbContext> DbFactory { get; } = dbFactory;
    public MetricIngestion Ingestion { get; } = ingestion;
    public RunEvents Events { get; } = events;
    public RunFinishedSubscribers Finished { get; } = finished;
    public RunningExternalRunCache RunningRuns { get; } = runningRuns;
    public TimeProvider Clock { get; } = clock;
    public long NowMs => Clock.GetUtcNow().ToUnixTimeMilliseconds();
}

/// <summary>
/// MLflow's REST tracking API (mlflow/protos/service.proto) under <c>/api/2.0/mlflow/</c> and the UI's
/// <c>/ajax-api/2.0/mlflow/</c>, mapped onto LayerLab external runs. Reads need the Read policy, writes Submit
/// (a token's write scope) and, on a run or experiment, ownership or admin, as LayerLab's own API. Anything else
/// under the prefixes (model registry, traces, …) answers ENDPOINT_NOT_FOUND.
/// </summary>
public static class MlflowEndpoints
{
    public static readonly string[] Prefixes = ["/api/2.0/mlflow", "/ajax-api/2.0/mlflow"];
    public const string ArtifactsPrefix = MlflowPaths.ArtifactsPrefix;

    public static bool IsMlflowPath(PathString path) => MlflowPaths.Contains(path);

    public static IServiceCollection AddMlflowApi(this IServiceCollection services) =>
        services.AddSingleton<MlflowServices>()
            .AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, MlflowAuthorizationResultHandler>();

    public static IEndpointRouteBuilder MapMlflowApi(this IEndpointRouteBuilder app)
    {
        foreach (var prefix in Prefixes)
        {
            var api = app.MapGroup(prefix).RequireAuthorization(LabPolicies.Read).AddEndpointFilter<MlflowErrorFilter>()
                .ExcludeFromDescription();
            MapExperiments(api);
            MapRuns(api);
            // Everything else MLflow has (model registry, traces, logged models, …): MLflow's own "no such endpoint".
            api.Map("/{**rest}", (string? rest) => MlflowException.Result(MlflowException.EndpointNotFound,
                $"LayerLab does not implement MLflow's '{MlflowArgs.Shorten(rest ?? "")}' endpoint (only the tracking API: experiments, runs, metrics; no model registry or traces).",
                StatusCodes.Status404NotFound));
        }
        MlflowArtifactEndpoints.Map(app);
        return app;
    }

    private static void MapExperiments(RouteGroupBuilder api)
    {
        api.MapPost("/experiments/create", MlflowExperimentEndpoints.CreateAsync).RequireAuthorization(LabPolicies.Submit);
        api.MapGet("/experiments/get", MlflowExperimentEndpoints.GetAsync);
        api.MapGet("/experiments/get-by-name", MlflowExperimentEndpoints.GetByNameAsync);
        api.MapPost("/experiments/search", MlflowExperimentEndpoints.SearchAsync);
        api.MapGet("/experiments/search", MlflowExperimentEndpoints.SearchAsync);
        api.MapPost("/experiments/update", MlflowExperimentEndpoints.UpdateAsync).RequireAuthorization(LabPolicies.Submit);
        api.MapPost("/experiments/delete", MlflowExperimentEndpoints.DeleteAsync).RequireAuthorization(LabPolicies.Submit);
        api.MapPost("/experiments/restore", MlflowExperimentEndpoints.RestoreAsync).RequireAuthorization(LabPolicies.Submit);
        api.MapPost("/experiments/set-experiment-tag", MlflowExperimentEndpoints.SetTagAsync).RequireAuthorization(LabPolicies.Submit);
    }

    private static void MapRuns(RouteGroupBuilder api)
    {
        api.MapPost("/runs/create", MlflowRunEndpoints.CreateAsync).RequireAuthorization(LabPolicies.Submit);
        api.MapGet("/runs/get", MlflowRunEndpoints.GetAsync);
        api.MapPost("/runs/update", MlflowRunEndpoints.UpdateAsync).RequireAuthorization(LabPolicies.Submit);
        api.MapPost("/runs/delete", MlflowRunEndpoints.DeleteAsync).RequireAuthorization(LabPolicies.Submit);
        api.MapPost("/runs/restore", MlflowRunEndpoints.RestoreAsync).RequireAuthorization(LabPolicies.Submit);
        api.MapPost("/runs/search", MlflowRunSearch.SearchAsync);
        api.MapPost("/runs/log-metric", MlflowLoggingEndpoints.LogMetricAsync).RequireAuthorization(LabPolicies.Submit);
        api.MapPost("/runs/log-parameter", MlflowLoggingEndpoints.LogParamAsync).RequireAuthorization(LabPolicies.Submit);
        api.MapPost("/runs/set-tag", MlflowLoggingEndpoints.SetTagAsync).RequireAuthorization(LabPolicies.Submit);
        api.MapPost("/runs/delete-tag", MlflowLoggingEndpoints.DeleteTagAsync).RequireAuthorization(LabPolicies.Submit);
        api.MapPost("/runs/log-batch", MlflowLoggingEndpoints.LogBatchAsync).RequireAuthorization(LabPolicies.Submit);
        api.MapPost("/runs/log-inputs", MlflowLoggingEndpoints.LogInputsAsync).RequireAuthorization(LabPolicies.Submit);
        api.MapGet("/metrics/get-history", MlflowLoggingEndpoints.GetHistoryAsync);
    }

    /// <summary>MLflow answers a successful call without a result with an empty object.</summary>
    public static IResult Empty() => TypedResults.Json(new { }, MlflowJson.Options);

    public static IResult Ok<T>(T body) => TypedResults.Json(body, MlflowJson.Options);
}
