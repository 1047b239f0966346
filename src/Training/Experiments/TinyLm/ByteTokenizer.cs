namespace LayerLab.Training.Experiments.TinyLm;

/// <summary>
/// Byte-level tokens: the vocabulary is the distinct bytes of the whole text (train and held-out), sorted, so a
/// token id is small (English text uses ~70 of 256 bytes: a smaller softmax) and no held-out byte is out of vocabulary.
/// Bits per token are therefore bits per byte of the UTF-8 text, for the model and the n-gram references alike.
/// </summary>
public sealed class ByteTokenizer
{
    private readonly int[] _idOf = new int[256];

    public ByteTokenizer(ReadOnlySpan<byte> text)
    {
        var seen = new bool[256];
        foreach (var b in text) seen[b] = true;
        var bytes = new List<byte>();
        for (var b = 0; b < 256; b++)
        {
            _idOf[b] = -1;
            if (seen[b]) { _idOf[b] = bytes.Count; bytes.Add((byte)b); }
        }
        Bytes = bytes;
    }

    /// <summary>The byte of each token id.</summary>
    public IReadOnlyList<byte> Bytes { get; }
    public int VocabularySize => Bytes.Count;

    public int[] Encode(ReadOnlySpan<byte> text)
    {
        var ids = new int[text.Length];
        for (var i = 0; i < text.Length; i++)
            ids[i] = _idOf[text[i]] >= 0 ? _idOf[text[i]] : throw new ArgumentException($"Byte {text[i]} is not in the vocabulary.", nameof(text));
        return ids;
    }
}
