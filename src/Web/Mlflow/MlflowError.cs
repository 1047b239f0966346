using System.Text.Json;

namespace LayerLab.Web.Mlflow;

/// <summary>
/// An error answered in MLflow's shape, <c>{"error_code": "...", "message": "..."}</c>, with the HTTP status MLflow
/// gives that code (mlflow/exceptions.py ERROR_CODE_TO_HTTP_STATUS). MLflow's Python client raises it as a
/// RestException; it retries only 429/5xx, so every refusal here is a 4xx.
/// </summary>
public sealed class MlflowException(string errorCode, string message) : Exception(message)
{
    public const string InvalidParameterValue = "INVALID_PARAMETER_VALUE";
    public const string ResourceDoesNotExist = "RESOURCE_DOES_NOT_EXIST";
    public const string ResourceAlreadyExists = "RESOURCE_ALREADY_EXISTS";
    public const string PermissionDenied = "PERMISSION_DENIED";
    public const string Unauthenticated = "UNAUTHENTICATED";
    public const string EndpointNotFound = "ENDPOINT_NOT_FOUND";

    public string ErrorCode { get; } = errorCode;

    public int StatusCode => ErrorCode switch
    {
        ResourceDoesNotExist or EndpointNotFound => StatusCodes.Status404NotFound,
        PermissionDenied => StatusCodes.Status403Forbidden,
        Unauthenticated => StatusCodes.Status401Unauthorized,
        _ => StatusCodes.Status400BadRequest,
    };

    public static MlflowException Invalid(string message) => new(InvalidParameterValue, message);
    public static MlflowException NotFound(string message) => new(ResourceDoesNotExist, message);
    public static MlflowException Denied(string message) => new(PermissionDenied, message);

    public IResult ToResult() => Result(ErrorCode, Message, StatusCode);

    public static IResult Result(string errorCode, string message, int status) =>
        TypedResults.Json(new MlflowErrorBody(errorCode, message), MlflowJson.Options, statusCode: status);

    /// <summary>For middleware that answers before an endpoint runs (authorization).</summary>
    public static Task WriteAsync(HttpResponse response, string errorCode, string message, int status)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.StatusCode = status;
        response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(response.Body, new MlflowErrorBody(errorCode, message), MlflowJson.Options);
    }
}

public sealed record MlflowErrorBody(string ErrorCode, string Message);

/// <summary>Turns <see cref="MlflowException"/> thrown by any MLflow endpoint into its JSON answer.</summary>
internal sealed class MlflowErrorFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (MlflowException ex)
        {
            return ex.ToResult();
        }
    }
}
