using System.Buffers.Binary;

namespace LayerLab.Training.Contracts;

/// <summary>One small tensor an experiment logs at a step (a weight matrix, an attention map, a decision grid):
/// row-major float32 values of <see cref="Shape"/>.</summary>
public sealed record TensorSample(string Key, long Step, int[] Shape, float[] Data);

/// <summary>
/// The rules every logged tensor follows, in-process or over HTTP, and its stored form. Why one place: the API's 400s,
/// the in-process reporter's refusals and the database blob must agree, or a tensor logged in one path could not be
/// read by the other.
/// </summary>
public static class TensorRules
{
    /// <summary>Heatmaps and surfaces: one to three axes (a stack of matrices at most).</summary>
    public const int MaxRank = 3;
    public const int MaxKeyLength = 100;
    public const int DefaultMaxElements = 65_536;

    /// <summary>Null when <paramref name="shape"/> is acceptable for <paramref name="length"/> values, else why not.</summary>
    public static string? ShapeProblem(IReadOnlyList<int> shape, long length, int maxElements)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Count is 0 or > MaxRank) return $"shape must have 1 to {MaxRank} axes; got {shape.Count}.";
        long product = 1;
        foreach (var size in shape)
        {
            if (size < 1) return "Every axis of shape must be at least 1.";
            product *= size;
            if (product > maxElements) return $"A tensor may hold at most {maxElements} values.";
        }
        return product == length ? null : $"shape holds {product} values but data has {length}.";
    }

    /// <summary>Null when every value is finite. NaN and ±∞ are refused: a heatmap cannot colour them, and a diverged
    /// run already says so in its metrics.</summary>
    public static string? ValuesProblem(ReadOnlySpan<float> data)
    {
        for (var i = 0; i < data.Length; i++)
            if (!float.IsFinite(data[i])) return $"data[{i}] is not a finite number; tensors hold finite values only.";
        return null;
    }

    /// <summary>Null when <paramref name="key"/> is a usable tensor name (letters, digits, _ . - @ =; no slash, since it is a URL segment).</summary>
    public static string? KeyProblem(string? key)
    {
        if (string.IsNullOrEmpty(key)) return "key is required.";
        if (key.Length > MaxKeyLength) return $"key may be at most {MaxKeyLength} characters.";
        foreach (var c in key)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' or '@' or '='))
                return "key may hold letters, digits and _ . - @ = only.";
        return null;
    }

    /// <summary>The stored form: float32 little-endian, 4 bytes a value, whatever the machine's byte order.</summary>
    public static byte[] Encode(ReadOnlySpan<float> data)
    {
        var bytes = new byte[data.Length * sizeof(float)];
        for (var i = 0; i < data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), data[i]);
        return bytes;
    }

    public static float[] Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % sizeof(float) != 0) throw new ArgumentException("A float32 blob is a multiple of 4 bytes long.", nameof(bytes));
        var data = new float[bytes.Length / sizeof(float)];
        for (var i = 0; i < data.Length; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]);
        return data;
    }

    /// <summary>Shape as stored: "3x4".</summary>
    public static string FormatShape(IReadOnlyList<int> shape) =>
        string.Join('x', shape.Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public static int[] ParseShape(string text) =>
        [.. (text ?? "").Split('x', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture))];
}
