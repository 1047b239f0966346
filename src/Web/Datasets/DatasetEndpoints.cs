using System.Globalization;
using System.Security.Claims;
using System.Text;
using LayerLab.Data.Datasets;
using LayerLab.Web.Accounts;
using LayerLab.Web.ExternalRuns;
using LayerLab.Web.Runs;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace LayerLab.Web.Datasets;

/// <summary>
/// /api/datasets: upload (multipart: file, name, licence, source), list, one version with its preview, delete.
/// The file part is read straight from the request into an incoming file (never buffered whole, not even by the
/// framework's form reader), hashed and checked as it streams.
/// </summary>
public static class DatasetEndpoints
{
    private const long MultipartOverhead = 64 * 1024;
    private const int MaxFieldBytes = 4 * 1024;
    public const int PreviewLines = 10;

    public static IEndpointRouteBuilder MapDatasetApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/datasets").RequireAuthorization(LabPolicies.Read);
        api.MapPost("", UploadAsync).RequireAuthorization(LabPolicies.Submit).DisableAntiforgery();
        api.MapGet("", ListAsync);
        api.MapGet("/{id:long}", GetAsync);
        api.MapDelete("/{id:long}", DeleteAsync).RequireAuthorization(LabPolicies.Submit);
        // Remote workers fetch a run's dataset by id (their token is good for nothing else).
        app.MapGet("/api/workers/datasets/{id:long}", WorkerInfoAsync).RequireAuthorization(LabPolicies.Worker);
        app.MapGet("/api/workers/datasets/{id:long}/content", ContentAsync).RequireAuthorization(LabPolicies.Worker);
        return app;
    }

    private static async Task<IResult> UploadAsync(
        HttpContext context, ClaimsPrincipal user, DatasetStore store, IOptions<DatasetOptions> options,
        IAntiforgery antiforgery, CancellationToken ct)
    {
        var limits = options.Value;
        var request = context.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) ||
            !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase) ||
            HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Send the file as multipart/form-data.");
        if (request.ContentLength > limits.MaxBytes + MultipartOverhead) return JsonBody.TooLarge("The file", limits.MaxBytes);
        // A browser (cookie) proves the upload came from the portal by the antiforgery header; the form body is not
        // read for it (that would buffer the file). Tokens cannot be sent cross-site.
        if (user.Identity?.AuthenticationType != ApiTokenDefaults.Scheme &&
            (!request.Headers.ContainsKey("RequestVerificationToken") || !await antiforgery.IsRequestValidAsync(context)))
            return JsonBody.Invalid("RequestVerificationToken", "A signed-in browser upload needs the antiforgery token header.");
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false }) sizeFeature.MaxRequestBodySize = limits.MaxBytes + MultipartOverhead;

        var actor = RunActor.From(user);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        string? incoming = null;
        try
        {
            string? sha256 = null;
            TextScan? scan = null;
            string? fileName = null;
            var reader = new MultipartReader(boundary, request.Body);
            try
            {
                MultipartSection? section;
                while ((section = await reader.ReadNextSectionAsync(ct)) is not null)
                {
                    if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) ||
                        !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                        return JsonBody.Invalid("body", "Every part must be form-data with a name.");
                    var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                    if (disposition.IsFileDisposition() && name == "file")
                    {
                        if (incoming is not null) return JsonBody.Invalid("file", "Send exactly one file.");
                        fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "";
                        var received = await store.ReceiveAsync(section.Body, limits.MaxBytes, ct);
                        incoming = received.IncomingPath;
                        if (received.TooLarge) return JsonBody.TooLarge("The file", limits.MaxBytes);
                        (sha256, scan) = (received.Sha256, received.Scan);
                    }
                    else if (name is "name" or "licence" or "source")
                    {
                        var text = await ReadFieldAsync(section.Body, ct);
                        if (text is null) errors[name] = [$"{name} is longer than {MaxFieldBytes} bytes."];
                        else fields[name] = text.Trim();
                    }
                    else return JsonBody.Invalid(name.Length == 0 ? "body" : name, $"Unknown form field '{name}'.");
                }
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return JsonBody.TooLarge("The file", limits.MaxBytes);
            }
            catch (InvalidDataException)
            {
                return JsonBody.Invalid("body", "The multipart body could not be read.");
            }

            if (scan is null) errors["file"] = ["Send the dataset as the form field 'file'."];
            else if (scan.Bytes == 0) errors["file"] = ["The file is empty."];
            else if (scan.InvalidAt is { } offset)
                errors["file"] = [$"The file is not valid UTF-8: the byte at offset {offset.ToString(CultureInfo.InvariantCulture)} starts an invalid sequence."];
            var kind = Path.GetExtension(fileName ?? "").Equals(".csv", StringComparison.OrdinalIgnoreCase) ? "csv" : "text";
            var datasetName = fields.GetValueOrDefault("name") is { Length: > 0 } given ? given : Path.GetFileNameWithoutExtension(fileName ?? "");
            Require(errors, "name", datasetName, Dataset.MaxNameLength);
            Require(errors, "licence", fields.GetValueOrDefault("licence"), Dataset.MaxLicenceLength);
            Require(errors, "source", fields.GetValueOrDefault("source"), Dataset.MaxSourceLength);
            if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

            var used = await store.UsedBytesAsync(actor.UserId, ct);
            if (used + scan!.Bytes > limits.QuotaBytes)
                return TypedResults.Problem(statusCode: StatusCodes.Status507InsufficientStorage,
                    title: $"Your datasets would take {used + scan.Bytes} bytes; the quota is {limits.QuotaBytes} bytes per person (you use {used}). Delete old versions or ask an admin.");

            var dataset = await store.AddAsync(incoming!, sha256!, scan,
                new DatasetMetadata(datasetName, kind, fields["licence"], fields["source"]), actor, generated: false, ct);
            incoming = null; // committed: it is content now, not an upload in flight
            return TypedResults.Created($"/api/datasets/{dataset.Id}", DatasetDto.From(dataset));
        }
        finally
        {
            // Every refusal, failure or abort (the client went away: the read throws) ends here: nothing half-written stays.
            if (incoming is not null) File.Delete(incoming);
        }
    }

    private static void Require(Dictionary<string, string[]> errors, string field, string? value, int maxLength)
    {
        if (errors.ContainsKey(field)) return;
        if (string.IsNullOrWhiteSpace(value)) errors[field] = [$"{field} is required."];
        else if (value.Length > maxLength) errors[field] = [$"{field} is longer than {maxLength} characters."];
        else if (value.Any(char.IsControl)) errors[field] = [$"{field} must not contain control characters."];
    }

    /// <summary>A small text field, or null when it is longer than <see cref="MaxFieldBytes"/>.</summary>
    private static async Task<string?> ReadFieldAsync(Stream body, CancellationToken ct)
    {
        var buffer = new byte[MaxFieldBytes + 1];
        var length = await body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
        if (length > MaxFieldBytes) return null;
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    private static async Task<IResult> ListAsync(DatasetStore store, CancellationToken ct) =>
        TypedResults.Ok((await store.ListAsync(ct)).Select(DatasetDto.From).ToList());

    private static async Task<IResult> GetAsync(long id, DatasetStore store, CancellationToken ct)
    {
        var dataset = await store.FindAsync(id, ct);
        if (dataset is null) return TypedResults.NotFound();
        return TypedResults.Ok(new DatasetDetailDto(DatasetDto.From(dataset), await DatasetPreview.OfAsync(store, dataset, ct)));
    }

    private static async Task<IResult> DeleteAsync(long id, ClaimsPrincipal user, DatasetStore store, CancellationToken ct) =>
        await store.DeleteAsync(id, RunActor.From(user), ct) switch
        {
            DatasetDeleteOutcome.Deleted => TypedResults.NoContent(),
            DatasetDeleteOutcome.NotFound => TypedResults.NotFound(),
            DatasetDeleteOutcome.Forbidden => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden,
                title: "Only the uploader or an admin may delete this dataset version."),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
                title: "A queued or running run uses this dataset version; cancel it or wait for it to finish."),
        };

    /// <summary>What a remote worker needs to fetch and check a version; id 0 is the default text.</summary>
    private static async Task<IResult> WorkerInfoAsync(long id, Training.Contracts.IDatasetCatalog catalog, CancellationToken ct)
    {
        var file = id == 0 ? await catalog.DefaultTextAsync(ct) : await catalog.FindAsync(id, ct);
        return file is null ? TypedResults.NotFound() : TypedResults.Ok(new Training.Worker.WorkerDatasetInfo(
            file.Id, file.Name, file.Version, file.Sha256, file.Bytes, file.Licence, file.Source, file.Generated));
    }

    private static async Task<IResult> ContentAsync(long id, DatasetStore store, CancellationToken ct)
    {
        var dataset = await store.FindAsync(id, ct);
        if (dataset is null) return TypedResults.NotFound();
        var path = store.Folder.PathOf(dataset.Sha256);
        return File.Exists(path) ? TypedResults.PhysicalFile(path, "application/octet-stream") : TypedResults.NotFound();
    }
}

public sealed record DatasetDto(
    long Id, string Name, int Version, string Kind, string Sha256, long Bytes, long Characters, long Lines,
    string Licence, string Source, bool Generated, bool BuiltIn, string? UploadedBy, DateTimeOffset CreatedAt)
{
    public static DatasetDto From(Dataset d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new DatasetDto(d.Id, d.Name, d.Version, d.Kind, d.Sha256, d.Bytes, d.Characters, d.Lines, d.Licence, d.Source,
            d.Generated, d.BuiltIn, d.UploadedBy, d.CreatedAt);
    }
}

public sealed record DatasetDetailDto(DatasetDto Dataset, DatasetPreview Preview);
