using System.Text.Json;
using LayerLab.Data.Metrics;

namespace LayerLab.Web.Compare;

/// <summary>
/// The JSON form of <c>GET /api/compare/metrics</c>, written point by point from the pooled arrays (no per-point
/// objects): <c>{ key, runs: [{ runId, steps, values, times?, startedAt }] }</c>; NaN/±Infinity values and missing
/// times are <c>null</c>; <c>times</c> is left out when not asked for.
/// </summary>
public static class CompareHistoryJson
{
    public static void WriteStart(Utf8JsonWriter writer, string key)
    {
        writer.WriteStartObject();
        writer.WriteString("key", key);
        writer.WriteStartArray("runs");
    }

    public static void WriteRun(Utf8JsonWriter writer, RunHistory run)
    {
        writer.WriteStartObject();
        writer.WriteNumber("runId", run.RunId);
        writer.WriteStartArray("steps");
        foreach (var step in run.Steps) writer.WriteNumberValue(step);
        writer.WriteEndArray();
        writer.WriteStartArray("values");
        foreach (var value in run.Values)
        {
            if (double.IsNaN(value)) writer.WriteNullValue();
            else writer.WriteNumberValue(value);
        }
        writer.WriteEndArray();
        if (run.HasTimes)
        {
            writer.WriteStartArray("times");
            foreach (var time in run.Times)
            {
                if (double.IsNaN(time)) writer.WriteNullValue();
                else writer.WriteNumberValue((long)time);
            }
            writer.WriteEndArray();
        }
        if (run.StartedAt is { } started) writer.WriteNumber("startedAt", started);
        else writer.WriteNull("startedAt");
        writer.WriteEndObject();
    }

    public static void WriteEnd(Utf8JsonWriter writer)
    {
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
