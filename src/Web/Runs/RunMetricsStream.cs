using System.Data.Common;
using System.Text.Json;
using LayerLab.Data;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Runs;

/// <summary>
/// <c>GET /api/runs/{id}/metrics</c> written to the response as the rows come out of SQLite, in the shape of
/// <see cref="RunMetricsDto"/>. A run may hold millions of points; building the whole document first cost memory in
/// proportion to all of them. Here the steps go out as they are read and only one metric's values wait (as doubles)
/// until its steps are written. Rows are read raw, without materialising an entity per point.
/// </summary>
public sealed class RunMetricsStream(long runId, IDbContextFactory<LabDbContext> dbFactory) : IResult
{
    private const int FlushEvery = 16 * 1024;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var ct = httpContext.RequestAborted;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(ct);
        var keys = new List<string>();
        await using (var command = Command(connection, "SELECT DISTINCT Key FROM MetricPoints WHERE RunId = $run ORDER BY Key"))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) keys.Add(reader.GetString(0));

        httpContext.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(httpContext.Response.BodyWriter.AsStream());
        json.WriteStartObject();
        json.WriteNumber("runId", runId);
        json.WriteStartObject("series");
        var values = new List<double>();
        foreach (var key in keys)
        {
            // One key at a time, in step order (the primary key's order): no sort, no key string per row.
            await using var command = Command(connection, "SELECT Step, Value FROM MetricPoints WHERE RunId = $run AND Key = $key ORDER BY Step");
            AddParameter(command, "$key", key);
            await using var reader = await command.ExecuteReaderAsync(ct);
            json.WriteStartObject(key);
            json.WriteStartArray("steps");
            var pending = 0;
            while (await reader.ReadAsync(ct))
            {
                json.WriteNumberValue(reader.GetInt64(0));
                // NaN is stored as NULL; NaN and ±Infinity go out as null (JSON has no such numbers).
                values.Add(reader.IsDBNull(1) ? double.NaN : reader.GetDouble(1));
                if (++pending % FlushEvery == 0) await json.FlushAsync(ct);
            }
            EndSeries(json, values);
            await json.FlushAsync(ct);
        }
        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(ct);
    }

    private DbCommand Command(DbConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        AddParameter(command, "$run", runId);
        return command;
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    private static void EndSeries(Utf8JsonWriter json, List<double> values)
    {
        json.WriteEndArray();
        json.WriteStartArray("values");
        foreach (var value in values)
        {
            if (double.IsFinite(value)) json.WriteNumberValue(value);
            else json.WriteNullValue();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        values.Clear();
    }
}
