using System.Security.Claims;
using System.Security.Cryptography;
using LayerLab.Data;
using LayerLab.Data.Artifacts;
using LayerLab.Web.Accounts;
using LayerLab.Web.Runs;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.ExternalRuns;

/// <summary>
/// Files attached to a run (catalog or external). Stored as <c>&lt;data folder&gt;/artifacts/&lt;runId&gt;/&lt;guid&gt;</c>;
/// the client's file name is kept only as a display name. Downloads resolve the path from the stored GUID alone.
/// </summary>
public static class ArtifactEndpoints
{
    public const long DefaultMaxBytes = 50L * 1024 * 1024;
    public const string MaxBytesSetting = "LayerLab:Artifacts:MaxBytes";
    public const long DefaultQuotaBytes = 5L * 1024 * 1024 * 1024;
    /// <summary>What one person may keep in artifacts in all (LayerLab:Artifacts:QuotaBytes); beyond it uploads are 507.</summary>
    public const string QuotaBytesSetting = "LayerLab:Artifacts:QuotaBytes";
    private const long MultipartOverhead = 64 * 1024;

    internal static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/runs/{id:long}/artifacts", UploadAsync).RequireAuthorization(LabPolicies.Submit);
        api.MapGet("/runs/{id:long}/artifacts", ListAsync);
        api.MapGet("/runs/{id:long}/artifacts/{artifactId:long}", DownloadAsync);
    }

    public static long MaxBytes(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return long.TryParse(configuration[MaxBytesSetting], out var max) && max > 0 ? max : DefaultMaxBytes;
    }

    public static long QuotaBytes(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return long.TryParse(configuration[QuotaBytesSetting], out var quota) && quota >= 0 ? quota : DefaultQuotaBytes;
    }

    /// <summary>507 when <paramref name="adding"/> more bytes would take the uploader past the quota: one person must not
    /// fill the disk the database and every colleague's checkpoints share.</summary>
    private static async Task<IResult?> OverQuotaAsync(LabDbContext db, string userName, long adding, long quota, CancellationToken ct)
    {
        var used = await db.Artifacts.Where(a => a.UploadedBy == userName).SumAsync(a => (long?)a.Size, ct) ?? 0;
        return used + adding <= quota ? null : TypedResults.Problem(statusCode: StatusCodes.Status507InsufficientStorage,
            title: $"Your artifacts would take {used + adding} bytes; the quota is {quota} bytes per person. Delete old runs' files or ask an admin.");
    }

    /// <summary>The artifacts folder: next to the SQLite file (data-protection keys live there too).</summary>
    public static string RootFolder(LabDbContext db, IWebHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(environment);
        var source = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
        var dataFolder = source == ":memory:" || string.IsNullOrEmpty(source)
            ? Path.Combine(environment.ContentRootPath, "data")
            : Path.GetDirectoryName(Path.GetFullPath(source))!;
        return Path.Combine(dataFolder, "artifacts");
    }

    /// <summary>The full path of a stored artifact, or null when the stored name is not a GUID or escapes the folder.</summary>
    public static string? PathOf(string root, long runId, string storedName)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (!Guid.TryParseExact(storedName, "N", out _)) return null;
        var fullRoot = Path.GetFullPath(root) + Path.DirectorySeparatorChar;
        var path = Path.GetFullPath(Path.Combine(fullRoot, runId.ToString(System.Globalization.CultureInfo.InvariantCulture), storedName));
        return path.StartsWith(fullRoot, StringComparison.Ordinal) ? path : null;
    }

    private static async Task<IResult> UploadAsync(
        long id, HttpContext context, ClaimsPrincipal user, IDbContextFactory<LabDbContext> dbFactory,
        IConfiguration configuration, IWebHostEnvironment environment, IAntiforgery antiforgery, TimeProvider clock,
        CancellationToken ct)
    {
        var (run, refusal) = await ExternalRunEndpoints.FindWritableAsync(dbFactory, id, user, requireExternalRunning: false, ct);
        if (refusal is not null) return refusal;

        var max = MaxBytes(configuration);
        var request = context.Request;
        if (!request.HasFormContentType)
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Send the file as multipart/form-data.");
        if (request.ContentLength > max + MultipartOverhead) return JsonBody.TooLarge("The file", max);
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false }) sizeFeature.MaxRequestBodySize = max + MultipartOverhead;
        context.Features.Set<IFormFeature>(new FormFeature(request, new FormOptions { MultipartBodyLengthLimit = max + MultipartOverhead }));

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(ct);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return JsonBody.TooLarge("The file", max);
        }
        catch (InvalidDataException ex)
        {
            return ex.Message.Contains("limit", StringComparison.OrdinalIgnoreCase)
                ? JsonBody.TooLarge("The file", max)
                : JsonBody.Invalid("file", "The multipart body could not be read.");
        }
        // A browser session (cookie) must prove the form came from the portal; API tokens cannot be sent cross-site.
        if (user.Identity?.AuthenticationType != ApiTokenDefaults.Scheme && !await antiforgery.IsRequestValidAsync(context))
            return JsonBody.Invalid("__RequestVerificationToken", "A signed-in browser upload needs the antiforgery token.");

        if (form.Files.Count != 1) return JsonBody.Invalid("file", $"Send exactly one file; got {form.Files.Count}.");
        var file = form.Files[0];
        if (file.Length > max) return JsonBody.TooLarge("The file", max);
        var displayName = file.FileName;
        if (ArtifactNames.Problem(displayName) is { } problem) return JsonBody.Invalid("file.name", problem);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await OverQuotaAsync(db, RunActor.From(user).UserName, file.Length, QuotaBytes(configuration), ct) is { } full) return full;
        var root = RootFolder(db, environment);
        var storedName = Guid.NewGuid().ToString("N");
        var path = PathOf(root, run!.Id, storedName) ?? throw new InvalidOperationException("artifact path escaped its folder");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string sha256;
        long size;
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var source = file.OpenReadStream())
            await using (var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await source.ReadAsync(buffer, ct)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await target.WriteAsync(buffer.AsMemory(0, read), ct);
                }
                size = target.Length;
            }
            sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());

            var artifact = new Artifact
            {
                RunId = run.Id,
                StoredName = storedName,
                DisplayName = displayName,
                ContentType = ArtifactNames.ContentTypeFor(displayName),
                Size = size,
                Sha256 = sha256,
                CreatedAt = clock.GetUtcNow(),
                UploadedBy = RunActor.From(user).UserName,
            };
            db.Artifacts.Add(artifact);
            await db.SaveChangesAsync(ct);
            return TypedResults.Created($"/api/runs/{run.Id}/artifacts/{artifact.Id}", ArtifactDto.From(artifact));
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    private static async Task<IResult> ListAsync(long id, IDbContextFactory<LabDbContext> dbFactory, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.Runs.AnyAsync(r => r.Id == id, ct)) return TypedResults.NotFound();
        var artifacts = await db.Artifacts.AsNoTracking().Where(a => a.RunId == id).OrderBy(a => a.Id).ToListAsync(ct);
        return TypedResults.Ok(artifacts.Select(ArtifactDto.From).ToList());
    }

    private static async Task<IResult> DownloadAsync(
        long id, long artifactId, HttpContext context, IDbContextFactory<LabDbContext> dbFactory,
        IWebHostEnvironment environment, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var artifact = await db.Artifacts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == artifactId && a.RunId == id, ct);
        if (artifact is null) return TypedResults.NotFound();
        var path = PathOf(RootFolder(db, environment), artifact.RunId, artifact.StoredName);
        if (path is null || !File.Exists(path)) return TypedResults.NotFound();
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        return TypedResults.PhysicalFile(path, artifact.ContentType, fileDownloadName: artifact.DisplayName);
    }
}

public sealed record ArtifactDto(
    long Id, long RunId, string Name, string ContentType, long Size, string Sha256, DateTimeOffset CreatedAt, string? UploadedBy)
{
    public static ArtifactDto From(Artifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        return new ArtifactDto(artifact.Id, artifact.RunId, artifact.DisplayName, artifact.ContentType, artifact.Size,
            artifact.Sha256, artifact.CreatedAt, artifact.UploadedBy);
    }
}
