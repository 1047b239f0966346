using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;

namespace LayerLab.Web.Mlflow;

/// <summary>
/// MLflow's wire format: snake_case names, int64 as JSON numbers (MLflow's message_to_json), NaN and ±Infinity as the
/// strings "NaN", "Infinity", "-Infinity" (protobuf's JSON mapping), absent fields left out.
/// </summary>
public static class MlflowJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}

/// <summary>
/// The arguments of one MLflow call: the JSON body of a POST, or the query string of a GET (MLflow's client sends
/// GET arguments as query parameters). Protobuf's JSON reading rules: int64 may come as a number or a numeric string;
/// unknown fields are ignored (newer clients send fields older servers do not know).
/// </summary>
public sealed class MlflowArgs : IDisposable
{
    /// <summary>log-batch at MLflow's limits (1,000 metrics, 100 params of 6,000 chars, 100 tags of 8,000) fits in ~2 MB.</summary>
    public const int MaxBodyBytes = 4 * 1024 * 1024;
    private const int MaxDepth = 16;

    private readonly JsonDocument? _document;
    private readonly IQueryCollection? _query;

    private MlflowArgs(JsonDocument? document, IQueryCollection? query) => (_document, _query) = (document, query);

    public JsonElement Root => _document?.RootElement ?? default;

    public static async Task<MlflowArgs> ReadAsync(HttpContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method)) return new MlflowArgs(null, request.Query);
        if (request.ContentType is { Length: > 0 } && !request.HasJsonContentType())
            throw MlflowException.Invalid("The body must be application/json.");
        if (request.ContentLength > MaxBodyBytes) throw MlflowException.Invalid($"The request body is larger than {MaxBodyBytes} bytes.");
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false }) sizeFeature.MaxRequestBodySize = MaxBodyBytes;
        using var buffer = new MemoryStream();
        var chunk = new byte[32 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > MaxBodyBytes) throw MlflowException.Invalid($"The request body is larger than {MaxBodyBytes} bytes.");
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw MlflowException.Invalid($"The request body is larger than {MaxBodyBytes} bytes.");
        }
        if (buffer.Length == 0) return new MlflowArgs(JsonDocument.Parse("{}"), null);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException ex)
        {
            throw MlflowException.Invalid($"The body is not valid JSON (at most {MaxDepth} levels deep): {ex.Message}");
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw MlflowException.Invalid("The body must be a JSON object.");
        }
        return new MlflowArgs(document, null);
    }

    public void Dispose() => _document?.Dispose();

    /// <summary>A string argument; null when absent. Refuses other types and values over <paramref name="maxLength"/>.</summary>
    public string? String(string name, int maxLength)
    {
        string? value;
        if (_query is not null) value = _query.TryGetValue(name, out var v) ? v.ToString() : null;
        else if (!Root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null) value = null;
        else if (element.ValueKind == JsonValueKind.String) value = element.GetString();
        else throw MlflowException.Invalid($"Invalid value for parameter '{name}': expected a string.");
        if (value is not null && value.Length > maxLength)
            throw MlflowException.Invalid($"Parameter '{name}' is {value.Length} characters long; the limit is {maxLength}.");
        return value;
    }

    public string RequiredString(string name, int maxLength) =>
        String(name, maxLength) is { Length: > 0 } value ? value : throw MlflowException.Invalid($"Missing value for required parameter '{name}'.");

    /// <summary>The run id MLflow clients send as run_id (and the older run_uuid).</summary>
    public string RunId() => String("run_id", 64) is { Length: > 0 } id ? id
        : String("run_uuid", 64) is { Length: > 0 } uuid ? uuid
        : throw MlflowException.Invalid("Missing value for required parameter 'run_id'.");

    public long? Int64(string name) => _query is not null
        ? (_query.TryGetValue(name, out var v) ? ParseInt64(name, v.ToString()) : null)
        : Root.TryGetProperty(name, out var element) ? ReadInt64(name, element) : null;

    public static long? ReadInt64(string name, JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.Number when element.TryGetInt64(out var n) => n,
        JsonValueKind.String => ParseInt64(name, element.GetString()!),
        _ => throw MlflowException.Invalid($"Invalid value for parameter '{name}': expected an integer."),
    };

    private static long ParseInt64(string name, string text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n : throw MlflowException.Invalid($"Invalid value '{Shorten(text)}' for parameter '{name}': expected an integer.");

    /// <summary>A double as protobuf's JSON has it: a number, or "NaN", "Infinity", "-Infinity" (or a numeric string).</summary>
    public static double ReadDouble(string name, JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var d) && double.IsFinite(d)) return d;
        if (element.ValueKind == JsonValueKind.String)
        {
            var text = element.GetString()!;
            switch (text)
            {
                case "NaN": return double.NaN;
                case "Infinity": return double.PositiveInfinity;
                case "-Infinity": return double.NegativeInfinity;
            }
            if (text.Length <= 64 && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out d) && double.IsFinite(d)) return d;
        }
        throw MlflowException.Invalid($"Invalid value for parameter '{name}': expected a number (or \"NaN\", \"Infinity\", \"-Infinity\").");
    }

    /// <summary>A repeated field: the JSON array (or, in a query string, every value of the name).</summary>
    public IReadOnlyList<string> StringList(string name, int maxItems, int maxLength)
    {
        var items = new List<string>();
        if (_query is not null)
        {
            if (_query.TryGetValue(name, out var values)) items.AddRange(values.Where(v => v is not null)!);
        }
        else if (Root.TryGetProperty(name, out var element) && element.ValueKind != JsonValueKind.Null)
        {
            if (element.ValueKind == JsonValueKind.String) items.Add(element.GetString()!);
            else if (element.ValueKind != JsonValueKind.Array) throw MlflowException.Invalid($"Invalid value for parameter '{name}': expected a list of strings.");
            else
            {
                if (element.GetArrayLength() > maxItems) throw MlflowException.Invalid($"Parameter '{name}' has more than {maxItems} entries.");
                foreach (var item in element.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String) throw MlflowException.Invalid($"Invalid value for parameter '{name}': expected a list of strings.");
                    items.Add(item.GetString()!);
                }
            }
        }
        if (items.Count > maxItems) throw MlflowException.Invalid($"Parameter '{name}' has more than {maxItems} entries.");
        if (items.Any(i => i.Length > maxLength)) throw MlflowException.Invalid($"An entry of '{name}' is longer than {maxLength} characters.");
        return items;
    }

    /// <summary>The array under <paramref name="name"/> (empty when absent), refused past <paramref name="limit"/> entries with MLflow's message.</summary>
    public IReadOnlyList<JsonElement> Array(string name, int limit)
    {
        if (_query is not null || !Root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null) return [];
        if (element.ValueKind != JsonValueKind.Array) throw MlflowException.Invalid($"Invalid value for parameter '{name}': expected a list.");
        var count = element.GetArrayLength();
        if (count > limit)
            throw MlflowException.Invalid($"A batch logging request can contain at most {limit} {name}. Got {count} {name}. Please split up {name} across multiple requests and try again.");
        return element.EnumerateArray().ToList();
    }

    public static string Shorten(string text) => text.Length <= 100 ? text : text[..100] + "…";
}
