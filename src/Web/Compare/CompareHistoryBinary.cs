using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using LayerLab.Data.Metrics;

namespace LayerLab.Web.Compare;

/// <summary>
/// The compact form of <c>GET /api/compare/metrics</c> (<c>format=bin</c>, or <c>Accept: application/octet-stream</c>):
/// typed arrays the browser views in place (no JSON parse of 2 M numbers, no per-point objects). Little-endian.
/// <code>
/// header (16 bytes): "LLCH" · u32 version (1) · u32 run count · u32 flags (bit 0: times included)
/// per run, in the order asked for:
///   32 bytes: i64 run id · f64 started at (Unix ms; NaN: never started) · u32 point count n ·
///             u32 step width (4: steps are int32, 8: float64, used when a step exceeds int32) · u32 times (0/1) · u32 0
///   steps:  n × int32 or float64, ascending, zero-padded to a multiple of 8 bytes
///   values: n × float64 (NaN for NaN, ±Infinity and missing: JSON's null)
///   times:  n × float64 Unix ms (NaN where no time was recorded), only when asked for
/// </code>
/// Every array starts at a multiple of 8 bytes, so JS can lay Float64Array / Int32Array views on the buffer.
/// </summary>
public static class CompareHistoryBinary
{
    public const string ContentType = "application/octet-stream";
    public const uint Version = 1;
    public const int HeaderBytes = 16;
    public const int RunHeaderBytes = 32;
    public static ReadOnlySpan<byte> Magic => "LLCH"u8;

    public static void WriteHeader(IBufferWriter<byte> output, int runCount, bool withTimes)
    {
        var span = output.GetSpan(HeaderBytes)[..HeaderBytes];
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], Version);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], (uint)runCount);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], withTimes ? 1u : 0u);
        output.Advance(HeaderBytes);
    }

    /// <summary>Whether every step fits an int32 (then the steps take 4 bytes each).</summary>
    public static bool StepsFitInt32(ReadOnlySpan<long> steps) =>
        steps.IsEmpty || (steps[0] >= int.MinValue && steps[^1] <= int.MaxValue); // ascending: the ends bound it

    public static void WriteRun(IBufferWriter<byte> output, RunHistory run)
    {
        // The arrays are copied as they lie in memory: that is the format's byte order only on a little-endian CPU.
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the binary compare format assumes a little-endian CPU");
        var n = run.Count;
        var narrow = StepsFitInt32(run.Steps);
        var header = output.GetSpan(RunHeaderBytes)[..RunHeaderBytes];
        header.Clear();
        BinaryPrimitives.WriteInt64LittleEndian(header, run.RunId);
        BinaryPrimitives.WriteDoubleLittleEndian(header[8..], run.StartedAt is { } s ? s : double.NaN);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)n);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], narrow ? 4u : 8u);
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], run.HasTimes ? 1u : 0u);
        output.Advance(RunHeaderBytes);

        var steps = run.Steps;
        var width = narrow ? 4 : 8;
        for (var i = 0; i < n;)
        {
            var take = Math.Min(n - i, ChunkBytes / width);
            var chunk = output.GetSpan(take * width);
            if (narrow)
            {
                var ints = MemoryMarshal.Cast<byte, int>(chunk);
                for (var k = 0; k < take; k++) ints[k] = (int)steps[i + k];
            }
            else
            {
                var doubles = MemoryMarshal.Cast<byte, double>(chunk);
                for (var k = 0; k < take; k++) doubles[k] = steps[i + k]; // ≤ 10¹² (the ingestion limit): exact in a double
            }
            output.Advance(take * width);
            i += take;
        }
        var padding = Pad8(n * width) - (n * width);
        if (padding > 0)
        {
            output.GetSpan(padding)[..padding].Clear();
            output.Advance(padding);
        }
        WriteDoubles(output, run.Values);
        if (run.HasTimes) WriteDoubles(output, run.Times);
    }

    /// <summary>Bytes asked of the output at a time: Kestrel's pipe serves a larger span from a fresh (large-object) array.</summary>
    private const int ChunkBytes = 1 << 15;

    private static void WriteDoubles(IBufferWriter<byte> output, ReadOnlySpan<double> values)
    {
        var bytes = MemoryMarshal.AsBytes(values);
        for (var i = 0; i < bytes.Length;)
        {
            var take = Math.Min(bytes.Length - i, ChunkBytes);
            bytes.Slice(i, take).CopyTo(output.GetSpan(take));
            output.Advance(take);
            i += take;
        }
    }

    private static int Pad8(int bytes) => (bytes + 7) & ~7;
}
