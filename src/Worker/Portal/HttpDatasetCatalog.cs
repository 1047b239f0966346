using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using LayerLab.Training.Contracts;
using LayerLab.Training.Worker;

namespace LayerLab.Worker.Portal;

/// <summary>
/// <see cref="IDatasetCatalog"/> for a remote worker: asks the portal which bytes a dataset id names, and keeps them in a
/// local cache by SHA-256 (<c>&lt;cache&gt;/&lt;hash&gt;</c>), so each content is downloaded once per machine. A download
/// is written beside, checked against the hash the portal stated, and only then renamed into the cache.
/// </summary>
public sealed class HttpDatasetCatalog(HttpClient portal, string cacheFolder) : IDatasetCatalog
{
    public async Task<DatasetFile?> FindAsync(long id, CancellationToken cancellationToken) =>
        id <= 0 ? null : await ResolveAsync(id, cancellationToken);

    public async Task<DatasetFile> DefaultTextAsync(CancellationToken cancellationToken) =>
        await ResolveAsync(0, cancellationToken) ?? throw new InvalidOperationException("The portal has no default text dataset.");

    private async Task<DatasetFile?> ResolveAsync(long id, CancellationToken ct)
    {
        using var response = await portal.GetAsync(new Uri(WorkerApi.Dataset(id), UriKind.Relative), ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        var info = await response.Content.ReadFromJsonAsync<WorkerDatasetInfo>(WorkerApi.Json, ct)
            ?? throw new InvalidOperationException($"The portal described dataset {id} as null.");
        if (!System.Text.RegularExpressions.Regex.IsMatch(info.Sha256, "^[0-9a-f]{64}$"))
            throw new InvalidOperationException($"The portal gave dataset {id} a malformed hash.");
        var path = Path.Combine(Path.GetFullPath(cacheFolder), info.Sha256);
        if (!File.Exists(path)) await DownloadAsync(info, path, ct);
        return new DatasetFile(info.Id, info.Name, info.Version, info.Sha256, info.Bytes, path, info.Licence, info.Source, info.Generated);
    }

    private async Task DownloadAsync(WorkerDatasetInfo info, string path, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var part = path + "." + Guid.NewGuid().ToString("N") + ".part";
        try
        {
            using (var response = await portal.GetAsync(new Uri(WorkerApi.DatasetContent(info.Id), UriKind.Relative),
                       HttpCompletionOption.ResponseHeadersRead, ct))
            {
                response.EnsureSuccessStatusCode();
                await using var source = await response.Content.ReadAsStreamAsync(ct);
                await using var target = new FileStream(part, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
                await source.CopyToAsync(target, ct);
            }
            string actual;
            await using (var written = File.OpenRead(part)) actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(written, ct));
            if (actual != info.Sha256)
                throw new InvalidDataException($"Dataset {info.Id} arrived with SHA-256 {actual}, not the {info.Sha256} the portal stated.");
            File.Move(part, path, overwrite: true); // same hash, same bytes: a parallel download that won is equal
        }
        finally
        {
            File.Delete(part);
        }
    }
}
