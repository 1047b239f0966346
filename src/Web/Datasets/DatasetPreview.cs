using LayerLab.Data.Datasets;

namespace LayerLab.Web.Datasets;

/// <summary>What a person checks before training on a text: its size in the units the tokenizers see, and its start.
/// The byte tokenizer makes one token per byte; the character tokenizer one per Unicode code point.</summary>
public sealed record DatasetPreview(
    long Bytes, long Characters, long Lines, int DistinctCharacters, int DistinctBytes,
    long ByteTokens, long CharacterTokens, IReadOnlyList<string> FirstLines)
{
    public static async Task<DatasetPreview> OfAsync(DatasetStore store, Dataset dataset, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(dataset);
        return new DatasetPreview(dataset.Bytes, dataset.Characters, dataset.Lines, dataset.DistinctCharacters,
            dataset.DistinctBytes, dataset.Bytes, dataset.Characters,
            await store.FirstLinesAsync(dataset, DatasetEndpoints.PreviewLines, ct));
    }
}
