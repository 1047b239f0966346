using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using LayerLab.Data.Metrics;
using LayerLab.Web.Compare;
using Microsoft.Data.Sqlite;

namespace LayerLab.Tests.Unit.Compare;

/// <summary>The compare history's request rules, its binary and JSON encoders, and its SQLite read (a real file).</summary>
public sealed class CompareHistoryTests
{
    [Theory]
    [InlineData(null, "loss", null, null, "runs")]
    [InlineData("a,b", "loss", null, null, "runs")]
    [InlineData("1,2", "", null, null, "key")]
    [InlineData("1,2", "loss", "xml", null, "format")]
    [InlineData("1,2", "loss", "bin", "sometimes", "times")]
    public void Bad_input_names_the_field(string? runs, string? key, string? format, string? times, string field)
    {
        var (request, errors) = CompareHistoryRequest.Parse(runs, key, format, times, accept: null);
        Assert.Null(request);
        Assert.True(errors.ContainsKey(field), string.Join(", ", errors.Keys));
    }

    [Theory]
    [InlineData(null, null, null, false, true)] // JSON with times: what API clients always got
    [InlineData("json", "false", null, false, false)]
    [InlineData("bin", null, null, true, false)] // binary: times only when asked for
    [InlineData("BIN", "true", null, true, true)]
    [InlineData(null, null, "application/octet-stream", true, false)]
    [InlineData(null, null, "application/json, */*", false, true)]
    public void Format_and_times_have_sensible_defaults(string? format, string? times, string? accept, bool binary, bool withTimes)
    {
        var (request, _) = CompareHistoryRequest.Parse("3,1,3", "loss", format, times, accept);
        Assert.NotNull(request);
        Assert.Equal([3L, 1L], request.Ids);
        Assert.Equal((binary, withTimes), (request.Binary, request.WithTimes));
    }

    [Fact]
    public void Binary_holds_every_point_in_aligned_typed_arrays()
    {
        using var small = new RunHistory(7, 1_700_000_000_000, withTimes: true);
        small.Add(0, 1.5, 1_700_000_000_100);
        small.Add(5, double.PositiveInfinity, double.NaN); // non-finite values and missing times are NaN
        small.Add(9, -2, 1_700_000_000_300);
        using var huge = new RunHistory(8, null, withTimes: true);
        huge.Add(3_000_000_000, 0.25, double.NaN); // beyond int32: steps go as float64
        using var empty = new RunHistory(9, null, withTimes: true);

        var output = new ArrayBufferWriter<byte>();
        CompareHistoryBinary.WriteHeader(output, 3, withTimes: true);
        foreach (var run in new[] { small, huge, empty }) CompareHistoryBinary.WriteRun(output, run);
        var bytes = output.WrittenSpan.ToArray();

        Assert.Equal("LLCH"u8.ToArray(), bytes[..4]);
        Assert.Equal(1u, U32(bytes, 4));
        Assert.Equal(3u, U32(bytes, 8));
        Assert.Equal(1u, U32(bytes, 12));
        var runs = Decode(bytes);
        Assert.Equal(3, runs.Count);

        var (id, started, steps, values, times) = runs[0];
        Assert.Equal(7, id);
        Assert.Equal(1_700_000_000_000, started);
        Assert.Equal([0, 5, 9], steps);
        Assert.Equal(1.5, values[0]);
        Assert.True(double.IsNaN(values[1]));
        Assert.Equal(-2, values[2]);
        Assert.Equal(1_700_000_000_100, times![0]);
        Assert.True(double.IsNaN(times[1]));

        Assert.Equal([3_000_000_000.0], runs[1].Steps);
        Assert.True(double.IsNaN(runs[1].Started));
        Assert.Empty(runs[2].Steps);
    }

    [Theory]
    [InlineData(20_001, 0L)] // int32 steps over several output chunks, an odd count (4 bytes of padding)
    [InlineData(9_999, 4_000_000_000L)] // float64 steps over several chunks
    public void Long_runs_come_back_whole(int n, long firstStep)
    {
        using var run = new RunHistory(1, null, withTimes: true);
        for (var i = 0; i < n; i++) run.Add(firstStep + (i * 3L), Math.Sin(i), 1_700_000_000_000 + i);
        var output = new ArrayBufferWriter<byte>();
        CompareHistoryBinary.WriteHeader(output, 1, withTimes: true);
        CompareHistoryBinary.WriteRun(output, run);
        var (_, _, steps, values, times) = Decode(output.WrittenSpan.ToArray())[0];
        Assert.Equal(Enumerable.Range(0, n).Select(i => (double)(firstStep + (i * 3L))), steps);
        Assert.Equal(Enumerable.Range(0, n).Select(i => Math.Sin(i)), values);
        Assert.Equal(Enumerable.Range(0, n).Select(i => 1_700_000_000_000.0 + i), times!);
    }

    [Fact]
    public void Json_writes_nulls_for_non_finite_values_and_leaves_times_out_when_not_asked()
    {
        using var run = new RunHistory(4, null, withTimes: false);
        run.Add(1, 0.5, double.NaN);
        run.Add(2, double.NegativeInfinity, double.NaN);
        var output = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(output))
        {
            CompareHistoryJson.WriteStart(writer, "loss");
            CompareHistoryJson.WriteRun(writer, run);
            CompareHistoryJson.WriteEnd(writer);
        }
        using var doc = JsonDocument.Parse(output.WrittenMemory);
        var series = doc.RootElement.GetProperty("runs")[0];
        Assert.Equal("loss", doc.RootElement.GetProperty("key").GetString());
        Assert.Equal("[1,2]", series.GetProperty("steps").GetRawText());
        Assert.Equal("[0.5,null]", series.GetProperty("values").GetRawText());
        Assert.False(series.TryGetProperty("times", out _));
        Assert.Equal(JsonValueKind.Null, series.GetProperty("startedAt").ValueKind);
    }

    [Fact]
    public void Reads_one_runs_points_of_one_key_in_step_order_from_sqlite()
    {
        var file = Path.Combine(Path.GetTempPath(), $"compare-history-{Guid.NewGuid():N}.db");
        try
        {
            using (var connection = new SqliteConnection($"Data Source={file};Pooling=False"))
            {
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = """
                    CREATE TABLE MetricPoints (RunId INTEGER NOT NULL, Key TEXT NOT NULL, Step INTEGER NOT NULL, Value REAL NULL, At INTEGER NULL,
                                               CONSTRAINT PK_MetricPoints PRIMARY KEY (RunId, Key, Step));
                    INSERT INTO MetricPoints VALUES (1, 'loss', 20, 0.2, 1020), (1, 'loss', 10, NULL, NULL), (1, 'loss', 30, 9e999, 1030),
                                                    (1, 'acc', 10, 0.9, 1010), (2, 'loss', 10, 5, 1010);
                    """;
                command.ExecuteNonQuery();

                using var run = RunHistory.ReadRows(connection, 1, 1000, "loss", withTimes: true);
                Assert.Equal([10L, 20L, 30L], run.Steps.ToArray());
                Assert.True(double.IsNaN(run.Values[0])); // NaN is stored as NULL
                Assert.Equal(0.2, run.Values[1]);
                Assert.True(double.IsNaN(run.Values[2])); // +Infinity: null in JSON, NaN in binary
                Assert.True(double.IsNaN(run.Times[0]));
                Assert.Equal(1030, run.Times[2]);

                using var withoutTimes = RunHistory.ReadRows(connection, 1, null, "loss", withTimes: false);
                Assert.Equal(3, withoutTimes.Count);
                Assert.True(withoutTimes.Times.IsEmpty);
                using var none = RunHistory.ReadRows(connection, 3, null, "loss", withTimes: false);
                Assert.Equal(0, none.Count);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static uint U32(byte[] b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at));

    /// <summary>A reader written from the format's description (docs/api.md), not from the encoder.</summary>
    private static List<(long Id, double Started, double[] Steps, double[] Values, double[]? Times)> Decode(byte[] b)
    {
        var runs = new List<(long, double, double[], double[], double[]?)>();
        var at = 16;
        for (var r = 0; r < U32(b, 8); r++)
        {
            var id = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(at));
            var started = BinaryPrimitives.ReadDoubleLittleEndian(b.AsSpan(at + 8));
            var n = (int)U32(b, at + 16);
            var width = (int)U32(b, at + 20);
            var hasTimes = U32(b, at + 24) == 1;
            Assert.Equal(0u, U32(b, at + 28));
            at += 32;
            var steps = Enumerable.Range(0, n).Select(i => width == 4
                ? BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(at + (4 * i)))
                : BinaryPrimitives.ReadDoubleLittleEndian(b.AsSpan(at + (8 * i)))).ToArray();
            at += ((n * width) + 7) & ~7;
            Assert.Equal(0, at % 8);
            var values = Enumerable.Range(0, n).Select(i => BinaryPrimitives.ReadDoubleLittleEndian(b.AsSpan(at + (8 * i)))).ToArray();
            at += 8 * n;
            double[]? times = null;
            if (hasTimes)
            {
                times = Enumerable.Range(0, n).Select(i => BinaryPrimitives.ReadDoubleLittleEndian(b.AsSpan(at + (8 * i)))).ToArray();
                at += 8 * n;
            }
            runs.Add((id, started, steps, values, times));
        }
        Assert.Equal(b.Length, at);
        return runs;
    }
}
