namespace LayerLab.Web.Datasets;

/// <summary>
/// Checks UTF-8 and counts what the preview shows, one buffer at a time, so an upload is validated while it streams
/// to disk and never held whole in memory. Strict: overlong forms, surrogates and code points past U+10FFFF are
/// invalid (what .NET's own decoder would replace with U+FFFD, silently changing the text a model trains on).
/// </summary>
public sealed class TextScan
{
    private readonly HashSet<int> _characters = [];
    private readonly bool[] _bytesSeen = new bool[256];
    private int _pending;       // continuation bytes still expected
    private int _codePoint;
    private int _minimum;       // smallest code point the current sequence's length may encode
    private long _sequenceStart;
    private byte _last;

    public long Bytes { get; private set; }
    public long Characters { get; private set; }
    public long Newlines { get; private set; }
    /// <summary>Byte offset (from 0) of the first invalid sequence; null while the text is valid.</summary>
    public long? InvalidAt { get; private set; }

    public int DistinctCharacters => _characters.Count;
    public int DistinctBytes => _bytesSeen.Count(seen => seen);
    public long Lines => Bytes == 0 ? 0 : Newlines + (_last == (byte)'\n' ? 0 : 1);

    public void Append(ReadOnlySpan<byte> buffer)
    {
        foreach (var b in buffer)
        {
            var position = Bytes++;
            _bytesSeen[b] = true;
            _last = b;
            if (InvalidAt is not null) continue;
            if (_pending == 0)
            {
                _sequenceStart = position;
                if (b < 0x80) Emit(b);
                else if ((b & 0xE0) == 0xC0) Start(b & 0x1F, 1, 0x80);
                else if ((b & 0xF0) == 0xE0) Start(b & 0x0F, 2, 0x800);
                else if ((b & 0xF8) == 0xF0) Start(b & 0x07, 3, 0x10000);
                else InvalidAt = position;
                continue;
            }
            if ((b & 0xC0) != 0x80) { InvalidAt = _sequenceStart; continue; }
            _codePoint = (_codePoint << 6) | (b & 0x3F);
            if (--_pending > 0) continue;
            if (_codePoint < _minimum || _codePoint > 0x10FFFF || _codePoint is >= 0xD800 and <= 0xDFFF) InvalidAt = _sequenceStart;
            else Emit(_codePoint);
        }
    }

    /// <summary>Call at the end: a sequence cut off by the end of the file is invalid too.</summary>
    public void Complete()
    {
        if (InvalidAt is null && _pending > 0) InvalidAt = _sequenceStart;
    }

    private void Start(int bits, int pending, int minimum)
    {
        _codePoint = bits;
        _pending = pending;
        _minimum = minimum;
    }

    private void Emit(int codePoint)
    {
        Characters++;
        if (codePoint == '\n') Newlines++;
        _characters.Add(codePoint);
    }
}
