using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace LayerLab.Web.ExternalRuns;

/// <summary>
/// Reads a JSON request body under a hard byte limit into a <see cref="JsonDocument"/>. Endpoints parse and validate
/// by hand so every error can name its field (points[3].step) and nothing is half-applied.
/// </summary>
internal static class JsonBody
{
    public const int MaxBytes = 1024 * 1024;
    public const int MaxDepth = 32;

    public static async Task<(JsonDocument? Document, IResult? Error)> ReadAsync(HttpContext context, CancellationToken ct)
    {
        var request = context.Request;
        if (!request.HasJsonContentType())
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "The body must be application/json."));
        if (request.ContentLength > MaxBytes) return (null, TooLarge());
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false }) sizeFeature.MaxRequestBodySize = MaxBytes;

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > MaxBytes) return (null, TooLarge());
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge());
        }
        try
        {
            var document = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length),
                new JsonDocumentOptions { MaxDepth = MaxDepth });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                return (null, Invalid("body", "The body must be a JSON object."));
            }
            return (document, null);
        }
        catch (JsonException ex)
        {
            return (null, Invalid("body", $"The body is not valid JSON (at most {MaxDepth} levels deep): {ex.Message}"));
        }
    }

    public static IResult TooLarge(string what = "The request body", long max = MaxBytes) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: $"{what} is larger than {max} bytes.");

    public static IResult Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    public static IResult Invalid(Dictionary<string, List<string>> errors) =>
        TypedResults.ValidationProblem(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));

    public static void Add(this Dictionary<string, List<string>> errors, string field, string message)
    {
        if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
        list.Add(message);
    }

    /// <summary>Every property name of <paramref name="obj"/> not in <paramref name="known"/> is an error; duplicates too.</summary>
    public static void RejectUnknown(JsonElement obj, Dictionary<string, List<string>> errors, string prefix, params string[] known)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in obj.EnumerateObject())
        {
            var field = prefix + property.Name;
            if (!known.Contains(property.Name, StringComparer.OrdinalIgnoreCase)) errors.Add(field, $"Unknown field '{property.Name}'.");
            else if (!seen.Add(property.Name)) errors.Add(field, $"'{property.Name}' appears more than once.");
        }
    }

    public static bool TryGet(JsonElement obj, string name, out JsonElement value)
    {
        foreach (var property in obj.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }
        value = default;
        return false;
    }
}
