using Microsoft.Data.Sqlite;

namespace LayerLab.Tests.EndToEnd.Infrastructure;

/// <summary>A fresh SQLite file per test, deleted afterwards; read directly to check what the portal stored.</summary>
public sealed class TempDatabase : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "layerlab-tests", Guid.NewGuid().ToString("N"));

    public TempDatabase()
    {
        Directory.CreateDirectory(_folder);
        FilePath = System.IO.Path.Combine(_folder, "lab.db");
    }

    public string FilePath { get; }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={FilePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The run's training metrics: every stored point but the worker's system/ samples (CPU, memory), whose
    /// count, steps (seconds) and values depend on the machine.</summary>
    public async Task<List<(string Key, long Step, double Value)>> TrainingPointsAsync(long runId) =>
        [.. (await PointsAsync(runId)).Where(p => !p.Key.StartsWith("system/", StringComparison.Ordinal))];

    public async Task<List<(string Key, long Step, double Value)>> PointsAsync(long runId)
    {
        await using var connection = new SqliteConnection($"Data Source={FilePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT Key, Step, Value FROM MetricPoints WHERE RunId = $id ORDER BY Key, Step";
        command.Parameters.AddWithValue("$id", runId);
        var points = new List<(string, long, double)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) points.Add((reader.GetString(0), reader.GetInt64(1), reader.GetDouble(2)));
        return points;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { /* best effort */ }
    }
}
