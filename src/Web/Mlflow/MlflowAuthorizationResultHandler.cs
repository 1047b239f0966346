using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace LayerLab.Web.Mlflow;

/// <summary>
/// Refusals on MLflow's paths in MLflow's shape: 401 UNAUTHENTICATED (no or a bad credential) and 403
/// PERMISSION_DENIED (a read-only token writing, a Viewer, a worker token), so MLflow clients show a readable error
/// instead of "response body was not in a valid JSON format". Everything else keeps the default behaviour.
/// </summary>
public sealed class MlflowAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if (!MlflowEndpoints.IsMlflowPath(context.Request.Path) || authorizeResult.Succeeded)
            return _default.HandleAsync(next, context, policy, authorizeResult);
        if (authorizeResult.Challenged || context.User.Identity?.IsAuthenticated != true)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer, Basic realm=\"LayerLab\"";
            return MlflowException.WriteAsync(context.Response, MlflowException.Unauthenticated,
                "Sign in: send a LayerLab API token as 'Authorization: Bearer <token>' (MLFLOW_TRACKING_TOKEN) or as the basic-auth password (MLFLOW_TRACKING_PASSWORD).",
                StatusCodes.Status401Unauthorized);
        }
        return MlflowException.WriteAsync(context.Response, MlflowException.PermissionDenied,
            "Permission denied: writing needs the Researcher role (or above) and a token with the 'write' scope.",
            StatusCodes.Status403Forbidden);
    }
}
