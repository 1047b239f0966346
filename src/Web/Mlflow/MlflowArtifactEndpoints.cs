using System.Globalization;
using System.Security.Cryptography;
using LayerLab.Data;
using LayerLab.Data.Artifacts;
using LayerLab.Web.Accounts;
using LayerLab.Web.ExternalRuns;
using LayerLab.Web.Runs;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Mlflow;

/// <summary>
/// MLflow's artifact proxy (<c>/api/2.0/mlflow-artifacts/artifacts/...</c>), which MLflow clients use for a run whose
/// artifact_uri is <c>mlflow-artifacts:/{experiment}/{run}/artifacts</c>: upload (PUT), download (GET), list
/// (GET ?path=). Files become LayerLab artifacts of the run, stored by GUID like every artifact; the MLflow path
/// (<c>model/MLmodel</c>) is only their display name, each segment checked with the same rules as an uploaded file
/// name (no <c>..</c>, separators, encoded or absolute names), so nothing a client sends names a file on disk.
/// </summary>
public static class MlflowArtifactEndpoints
{
    public static readonly string[] Prefixes = ["/api/2.0/mlflow-artifacts", "/ajax-api/2.0/mlflow-artifacts"];
    private const int MaxPathLength = 255;

    public static void Map(IEndpointRouteBuilder app)
    {
        foreach (var prefix in Prefixes)
        {
            var api = app.MapGroup(prefix).RequireAuthorization(LabPolicies.Read).AddEndpointFilter<MlflowErrorFilter>().ExcludeFromDescription();
            api.MapPut("/artifacts/{**path}", UploadAsync).RequireAuthorization(LabPolicies.Submit);
            api.MapGet("/artifacts/{**path}", DownloadAsync);
            api.MapGet("/artifacts", ListAsync);
            api.Map("/{**rest}", (string? rest) => MlflowException.Result(MlflowException.EndpointNotFound,
                $"LayerLab does not implement MLflow's artifact endpoint '{MlflowArgs.Shorten(rest ?? "")}' (upload, download and list only).",
                StatusCodes.Status404NotFound));
        }
    }

    /// <summary>{experiment}/{run}/artifacts[/relative/path] → the run id and the relative path ("" for the root).</summary>
    private static (long ExperimentId, long RunId, string Relative) Parse(string? path, bool needFile)
    {
        var segments = (path ?? "").Split('/');
        if (segments.Length < 3 || segments[2] != "artifacts" ||
            !long.TryParse(segments[0], NumberStyles.None, CultureInfo.InvariantCulture, out var experiment) ||
            !long.TryParse(segments[1], NumberStyles.None, CultureInfo.InvariantCulture, out var run))
            throw MlflowException.Invalid("Artifact paths look like '{experiment_id}/{run_id}/artifacts/{path}' (a run's artifact_uri).");
        var rest = segments.Skip(3).Where((s, i) => !(s.Length == 0 && i == segments.Length - 4)).ToList(); // a trailing '/' is fine
        foreach (var segment in rest)
        {
            if (ArtifactNames.Problem(segment) is { } problem)
                throw MlflowException.Invalid($"Invalid artifact path '{MlflowArgs.Shorten(path ?? "")}': {problem}");
        }
        var relative = string.Join('/', rest);
        if (relative.Length > MaxPathLength) throw MlflowException.Invalid($"An artifact path is at most {MaxPathLength} characters.");
        if (needFile && relative.Length == 0) throw MlflowException.Invalid("Name the artifact file after '/artifacts/'.");
        return (experiment, run, relative);
    }

    private static async Task<Data.Runs.Run> RunAsync(LabDbContext db, long experimentId, long runId, CancellationToken ct)
    {
        var (run, mlflow) = await MlflowRunReader.FindAsync(db, runId.ToString(CultureInfo.InvariantCulture), ct);
        if (mlflow.ExperimentId != experimentId) throw MlflowException.NotFound($"Run '{runId}' is not in experiment {experimentId}.");
        return run;
    }

    /// <summary>The body is the file. A path uploaded again replaces the earlier file (MLflow overwrites too).</summary>
    public static async Task<IResult> UploadAsync(
        string? path, HttpContext http, MlflowServices s, IConfiguration configuration, IWebHostEnvironment environment, CancellationToken ct)
    {
        var (experimentId, runId, relative) = Parse(path, needFile: true);
        await using var db = await s.DbFactory.CreateDbContextAsync(ct);
        await RunAsync(db, experimentId, runId, ct);
        var (run, _) = await MlflowRunReader.FindWritableAsync(db, runId.ToString(CultureInfo.InvariantCulture), http.User, ct);
        var max = ArtifactEndpoints.MaxBytes(configuration);
        if (http.Request.ContentLength > max) throw MlflowException.Invalid($"The artifact is larger than {max} bytes (LayerLab:Artifacts:MaxBytes).");
        var sizeFeature = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false }) sizeFeature.MaxRequestBodySize = max;

        var storedName = Guid.NewGuid().ToString("N");
        var file = ArtifactEndpoints.PathOf(ArtifactEndpoints.RootFolder(db, environment), run.Id, storedName)
            ?? throw new InvalidOperationException("artifact path escaped its folder");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long size = 0;
            await using (var target = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                var buffer = new byte[81920];
                int read;
                try
                {
                    while ((read = await http.Request.Body.ReadAsync(buffer, ct)) > 0)
                    {
                        size += read;
                        if (size > max) throw MlflowException.Invalid($"The artifact is larger than {max} bytes (LayerLab:Artifacts:MaxBytes).");
                        hash.AppendData(buffer, 0, read);
                        await target.WriteAsync(buffer.AsMemory(0, read), ct);
                    }
                }
                catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
                {
                    throw MlflowException.Invalid($"The artifact is larger than {max} bytes (LayerLab:Artifacts:MaxBytes).");
                }
            }
            var earlier = await db.Artifacts.Where(a => a.RunId == run.Id && a.DisplayName == relative).ToListAsync(ct);
            db.Artifacts.RemoveRange(earlier);
            db.Artifacts.Add(new Artifact
            {
                RunId = run.Id, StoredName = storedName, DisplayName = relative, ContentType = ArtifactNames.ContentTypeFor(relative),
                Size = size, Sha256 = Convert.ToHexStringLower(hash.GetHashAndReset()), CreatedAt = s.Clock.GetUtcNow(),
                UploadedBy = RunActor.From(http.User).UserName,
            });
            await db.SaveChangesAsync(ct);
            foreach (var old in earlier)
            {
                if (ArtifactEndpoints.PathOf(ArtifactEndpoints.RootFolder(db, environment), run.Id, old.StoredName) is { } stale) File.Delete(stale);
            }
        }
        catch
        {
            File.Delete(file);
            throw;
        }
        return MlflowEndpoints.Empty();
    }

    public static async Task<IResult> DownloadAsync(
        string? path, HttpContext http, MlflowServices s, IWebHostEnvironment environment, CancellationToken ct)
    {
        var (experimentId, runId, relative) = Parse(path, needFile: true);
        await using var db = await s.DbFactory.CreateDbContextAsync(ct);
        var run = await RunAsync(db, experimentId, runId, ct);
        var artifact = await db.Artifacts.AsNoTracking().Where(a => a.RunId == run.Id && a.DisplayName == relative)
            .OrderByDescending(a => a.Id).FirstOrDefaultAsync(ct);
        var file = artifact is null ? null : ArtifactEndpoints.PathOf(ArtifactEndpoints.RootFolder(db, environment), run.Id, artifact.StoredName);
        if (artifact is null || file is null || !File.Exists(file))
            throw MlflowException.NotFound($"Artifact '{MlflowArgs.Shorten(relative)}' of run {run.Id} not found.");
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        return TypedResults.PhysicalFile(file, artifact.ContentType, fileDownloadName: Path.GetFileName(relative));
    }

    /// <summary>The entries directly under <c>path</c>: files with their size, folders as is_dir (MLflow's ListArtifacts).</summary>
    public static async Task<IResult> ListAsync(HttpContext http, MlflowServices s, CancellationToken ct)
    {
        var path = http.Request.Query["path"].ToString();
        if (path.Length == 0) return MlflowEndpoints.Ok(new { files = Array.Empty<object>() });
        var (experimentId, runId, relative) = Parse(path, needFile: false);
        await using var db = await s.DbFactory.CreateDbContextAsync(ct);
        var run = await RunAsync(db, experimentId, runId, ct);
        var prefix = relative.Length == 0 ? "" : relative + "/";
        var names = await db.Artifacts.AsNoTracking().Where(a => a.RunId == run.Id)
            .Select(a => new { a.DisplayName, a.Size }).ToListAsync(ct);
        var entries = new SortedDictionary<string, MlflowFileInfo>(StringComparer.Ordinal);
        foreach (var a in names.Where(a => a.DisplayName.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var rest = a.DisplayName[prefix.Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var name = slash < 0 ? rest : rest[..slash];
            entries[name] = slash < 0 ? new MlflowFileInfo(name, false, a.Size) : new MlflowFileInfo(name, true, null);
        }
        return MlflowEndpoints.Ok(new { files = entries.Values.ToList() });
    }
}

public sealed record MlflowFileInfo(string Path, bool IsDir, long? FileSize);
