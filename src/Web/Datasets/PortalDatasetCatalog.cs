using LayerLab.Data;
using LayerLab.Data.Datasets;
using LayerLab.Training.Contracts;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Datasets;

/// <summary>The portal's answer to "which bytes is dataset N": its database row and its content-addressed file.
/// Replaces the training project's built-in fallback catalog (registered before AddTraining, whose TryAdd then yields).</summary>
public sealed class PortalDatasetCatalog(IDbContextFactory<LabDbContext> dbFactory, DatasetFolder folder, DefaultDatasetRegistration defaults)
    : IDatasetCatalog
{
    public async Task<DatasetFile?> FindAsync(long id, CancellationToken cancellationToken)
    {
        if (id <= 0) return null;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var dataset = await db.Datasets.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
        return dataset is null ? null : FileOf(dataset);
    }

    public async Task<DatasetFile> DefaultTextAsync(CancellationToken cancellationToken) =>
        FileOf(await defaults.EnsureAsync(cancellationToken));

    private DatasetFile FileOf(Dataset d) =>
        new(d.Id, d.Name, d.Version, d.Sha256, d.Bytes, folder.PathOf(d.Sha256), d.Licence, d.Source, d.Generated);
}
