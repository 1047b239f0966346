using System.Security.Cryptography;
using LayerLab.Data;
using LayerLab.Data.Datasets;
using LayerLab.Data.Runs;
using LayerLab.Web.Runs;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Datasets;

/// <summary>What an upload carries besides its bytes.</summary>
public sealed record DatasetMetadata(string Name, string Kind, string Licence, string Source);

public enum DatasetDeleteOutcome { Deleted, NotFound, Forbidden, InUse }

/// <summary>Stores, lists and deletes dataset versions (rows in SQLite, content in <see cref="DatasetFolder"/>).</summary>
public sealed class DatasetStore(IDbContextFactory<LabDbContext> dbFactory, DatasetFolder folder, TimeProvider clock)
{
    public DatasetFolder Folder => folder;

    /// <summary>Copies <paramref name="source"/> to an incoming file while hashing and checking it. The caller owns the
    /// returned incoming path (commit it or delete it); on any exception it is already deleted.</summary>
    public async Task<(string IncomingPath, string Sha256, TextScan Scan, bool TooLarge)> ReceiveAsync(
        Stream source, long maxBytes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(source);
        var path = folder.NewIncomingPath();
        try
        {
            var scan = new TextScan();
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await source.ReadAsync(buffer, ct)) > 0)
                {
                    if (scan.Bytes + read > maxBytes) return (path, "", scan, true);
                    scan.Append(buffer.AsSpan(0, read));
                    hash.AppendData(buffer, 0, read);
                    await target.WriteAsync(buffer.AsMemory(0, read), ct);
                }
            }
            scan.Complete();
            return (path, Convert.ToHexStringLower(hash.GetHashAndReset()), scan, false);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    /// <summary>Bytes of dataset versions this person uploaded (what the quota counts).</summary>
    public async Task<long> UsedBytesAsync(string userId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Datasets.Where(d => d.UploadedById == userId).SumAsync(d => (long?)d.Bytes, ct) ?? 0;
    }

    /// <summary>Moves the checked content to its address and records the next version of its name.</summary>
    public async Task<Dataset> AddAsync(
        string incomingPath, string sha256, TextScan scan, DatasetMetadata metadata, RunActor? owner, bool generated, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(metadata);
        folder.Commit(incomingPath, sha256);
        for (var attempt = 0; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var version = (await db.Datasets.Where(d => d.Name == metadata.Name).MaxAsync(d => (int?)d.Version, ct) ?? 0) + 1;
            var dataset = new Dataset
            {
                Name = metadata.Name, Version = version, Kind = metadata.Kind, Sha256 = sha256, Bytes = scan.Bytes,
                Characters = scan.Characters, Lines = scan.Lines, DistinctCharacters = scan.DistinctCharacters,
                DistinctBytes = scan.DistinctBytes, Licence = metadata.Licence, Source = metadata.Source, Generated = generated,
                BuiltIn = owner is null, UploadedBy = owner?.UserName, UploadedById = owner?.UserId, CreatedAt = clock.GetUtcNow(),
            };
            db.Datasets.Add(dataset);
            try
            {
                await db.SaveChangesAsync(ct);
                return dataset;
            }
            catch (DbUpdateException) when (attempt < 5) { } // another upload of this name took the version: next one
        }
    }

    public async Task<Dataset?> FindAsync(long id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Datasets.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, ct);
    }

    public async Task<List<Dataset>> ListAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Datasets.AsNoTracking().OrderBy(d => d.Name).ThenByDescending(d => d.Version).ToListAsync(ct);
    }

    /// <summary>Only its uploader or an admin deletes a version (the built-in default: admins only); never while a run
    /// is queued or training on it. The content file goes when no other version shares its hash.</summary>
    public async Task<DatasetDeleteOutcome> DeleteAsync(long id, RunActor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var dataset = await db.Datasets.FirstOrDefaultAsync(d => d.Id == id, ct);
        if (dataset is null) return DatasetDeleteOutcome.NotFound;
        if (!actor.MayChangeRunOf(dataset.UploadedById)) return DatasetDeleteOutcome.Forbidden;
        if (await db.Runs.AnyAsync(r => r.DatasetId == id && (r.Status == RunStatus.Queued || r.Status == RunStatus.Running), ct))
            return DatasetDeleteOutcome.InUse;
        db.Datasets.Remove(dataset);
        await db.SaveChangesAsync(ct);
        if (!await db.Datasets.AnyAsync(d => d.Sha256 == dataset.Sha256, ct))
            File.Delete(folder.PathOf(dataset.Sha256));
        return DatasetDeleteOutcome.Deleted;
    }

    /// <summary>The first lines of the content (at most <paramref name="maxLines"/> lines, 64 KiB read, 300 characters a line).</summary>
    public async Task<IReadOnlyList<string>> FirstLinesAsync(Dataset dataset, int maxLines, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var path = folder.PathOf(dataset.Sha256);
        if (!File.Exists(path)) return [];
        var buffer = new byte[64 * 1024];
        int length;
        await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true))
            length = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
        var text = new System.Text.UTF8Encoding(false, false).GetString(buffer, 0, length);
        return text.Split('\n').Take(maxLines).Select(line => line.TrimEnd('\r'))
            .Select(line => line.Length > 300 ? line[..300] + "…" : line).ToList();
    }
}
