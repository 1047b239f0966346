namespace LayerLab.Web.Accounts;

/// <summary>
/// The paths of the MLflow protocol (tracking API and artifacts, plus the UI's /ajax-api twins). Here rather than in
/// Mlflow because token sign-in needs them (MLflow clients send the token as a Basic password, accepted only on these
/// paths), and Mlflow builds on Accounts, not the other way round.
/// </summary>
public static class MlflowPaths
{
    public const string ArtifactsPrefix = "/api/2.0/mlflow-artifacts";

    public static bool Contains(PathString path) =>
        path.StartsWithSegments("/api/2.0/mlflow") || path.StartsWithSegments("/ajax-api/2.0/mlflow") ||
        path.StartsWithSegments(ArtifactsPrefix) || path.StartsWithSegments("/ajax-api/2.0/mlflow-artifacts");
}
