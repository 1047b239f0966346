using System.Globalization;
using LayerLab.Data.Mlflow;
using LayerLab.Data.Runs;

namespace LayerLab.Web.Mlflow;

// MLflow's messages (mlflow/protos/service.proto), serialized snake_case by MlflowJson.Options.

public sealed record MlflowKeyValue(string Key, string Value);

public sealed record MlflowMetricDto(string Key, double Value, long Timestamp, long Step);

public sealed record MlflowExperimentDto(
    string ExperimentId, string Name, string ArtifactLocation, string LifecycleStage, long LastUpdateTime, long CreationTime,
    IReadOnlyList<MlflowKeyValue> Tags)
{
    public static MlflowExperimentDto From(MlflowExperiment e, IReadOnlyList<MlflowKeyValue> tags) => new(
        e.Id.ToString(CultureInfo.InvariantCulture), e.Name,
        e.ArtifactLocation ?? $"mlflow-artifacts:/{e.Id.ToString(CultureInfo.InvariantCulture)}",
        e.LifecycleStage, e.LastUpdatedAt, e.CreatedAt, tags);
}

public sealed record MlflowRunInfoDto(
    string RunId, string RunUuid, string RunName, string ExperimentId, string UserId, string Status, long? StartTime, long? EndTime,
    string ArtifactUri, string LifecycleStage)
{
    public static MlflowRunInfoDto From(Run run, MlflowRun mlflow)
    {
        var id = run.Id.ToString(CultureInfo.InvariantCulture);
        var experiment = mlflow.ExperimentId.ToString(CultureInfo.InvariantCulture);
        return new MlflowRunInfoDto(id, id, run.Name ?? "", experiment, mlflow.UserId ?? run.SubmittedBy ?? "", MlflowStatus.Of(run.Status),
            run.StartedAt?.ToUnixTimeMilliseconds(), run.FinishedAt?.ToUnixTimeMilliseconds(),
            $"mlflow-artifacts:/{experiment}/{id}/artifacts", mlflow.LifecycleStage);
    }
}

public sealed record MlflowRunDataDto(IReadOnlyList<MlflowMetricDto> Metrics, IReadOnlyList<MlflowKeyValue> Params, IReadOnlyList<MlflowKeyValue> Tags);

public sealed record MlflowRunInputsDto;

public sealed record MlflowRunDto(MlflowRunInfoDto Info, MlflowRunDataDto Data, MlflowRunInputsDto Inputs);

/// <summary>MLflow's RunStatus names against LayerLab's run states.</summary>
public static class MlflowStatus
{
    public static string Of(RunStatus status) => status switch
    {
        RunStatus.Running => "RUNNING",
        RunStatus.Succeeded => "FINISHED",
        RunStatus.Failed => "FAILED",
        RunStatus.Cancelled => "KILLED",
        _ => "SCHEDULED",
    };

    public static RunStatus Parse(string text) => text switch
    {
        "RUNNING" => RunStatus.Running,
        "FINISHED" => RunStatus.Succeeded,
        "FAILED" => RunStatus.Failed,
        "KILLED" => RunStatus.Cancelled,
        _ => throw MlflowException.Invalid($"Invalid run status '{MlflowArgs.Shorten(text)}': one of RUNNING, FINISHED, FAILED, KILLED."),
    };

    /// <summary>SQL (SQLite) for a run's MLflow status from the Runs row aliased r.</summary>
    public const string Sql =
        "(CASE r.\"Status\" WHEN 'Running' THEN 'RUNNING' WHEN 'Succeeded' THEN 'FINISHED' WHEN 'Failed' THEN 'FAILED' " +
        "WHEN 'Cancelled' THEN 'KILLED' ELSE 'SCHEDULED' END)";
}
