using Microsoft.AspNetCore.Http.Features;

namespace LayerLab.Web.Security;

/// <summary>Endpoint metadata: the largest request body the endpoint reads (see <see cref="BodySizeCapMiddleware"/>).</summary>
public sealed record BodySizeCap(long MaxBytes);

/// <summary>
/// Enforces <see cref="BodySizeCap"/> before model binding buffers the body: a declared length over the cap is a 400
/// naming "body" at once; a chunked body is cut off by the server at the cap (413).
/// </summary>
public static class BodySizeCapMiddleware
{
    public static IApplicationBuilder UseBodySizeCaps(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<BodySizeCap>() is { } cap)
        {
            if (context.Request.ContentLength > cap.MaxBytes)
            {
                await TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["body"] = [$"The request body is larger than {cap.MaxBytes} bytes."],
                }).ExecuteAsync(context);
                return;
            }
            var size = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
            if (size is { IsReadOnly: false }) size.MaxRequestBodySize = cap.MaxBytes;
        }
        await next(context);
    });
}
