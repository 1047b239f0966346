using System.Net;
using System.Text.Json;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Data.Sqlite;

namespace LayerLab.Tests.EndToEnd.Security;

/// <summary>
/// <c>GET /api/runs/{id}/metrics</c> is written out as it is read: serving a long history must not first build it in
/// memory (before, every point became an entity and a list entry: hundreds of bytes per point allocated).
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class RunMetricsStreamTests
{
    private const int Points = 300_000;

    [Fact]
    public async Task A_long_history_is_streamed_with_allocations_far_below_its_size()
    {
        await using var portal = await InProcessPortal.StartAsync(
            $"--LayerLab:Admin:Email={PortalProcess.AdminEmail}", $"--LayerLab:Admin:Password={PortalProcess.AdminPassword}");
        using var admin = await PortalSession.SignInAsync(portal.BaseAddress, PortalProcess.AdminEmail, PortalProcess.AdminPassword);
        using var client = new HttpClient { BaseAddress = portal.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", await admin.CreateTokenAsync("rw", "read", "write"));
        var (_, run) = await client.PostJsonAsync("/api/runs/external", new { name = "long" });
        var runId = run.GetProperty("id").GetInt64();
        await InsertAsync(portal.Database.FilePath, runId);

        await ReadAllAsync(client, runId); // warm up: JIT and pools are not what is measured
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var length = await ReadAllAsync(client, runId);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.True(length > Points * 8, $"{length} bytes");
        // Two series of 150k points: the document is several MB; the old path allocated over 30 MB for it.
        Assert.True(allocated < 12_000_000, $"allocated {allocated / 1e6:F1} MB to serve {Points} points");

        using var document = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/runs/{runId}/metrics", UriKind.Relative)));
        var loss = document.RootElement.GetProperty("series").GetProperty("loss");
        Assert.Equal(Points / 2, loss.GetProperty("steps").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, loss.GetProperty("values")[0].ValueKind); // NaN goes out as null
        Assert.Equal(0.5, loss.GetProperty("values")[1].GetDouble());
        Assert.Equal((Points / 2) - 1, loss.GetProperty("steps")[(Points / 2) - 1].GetInt64());
        Assert.Equal(runId, document.RootElement.GetProperty("runId").GetInt64());
        using var missing = await client.GetAsync(new Uri("/api/runs/999999/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private static async Task<long> ReadAllAsync(HttpClient client, long runId)
    {
        using var response = await client.GetAsync(new Uri($"/api/runs/{runId}/metrics", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0) total += read;
        return total;
    }

    private static async Task InsertAsync(string databasePath, long runId)
    {
        await using var connection = new SqliteConnection($"Data Source={databasePath}");
        await connection.OpenAsync();
        await using var transaction = connection.BeginTransaction();
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO MetricPoints (RunId, Key, Step, Value, At) VALUES ($run, $key, $step, $value, NULL)";
        var key = command.Parameters.Add("$key", SqliteType.Text);
        var step = command.Parameters.Add("$step", SqliteType.Integer);
        var value = command.Parameters.Add("$value", SqliteType.Real);
        command.Parameters.AddWithValue("$run", runId);
        for (var i = 0; i < Points; i++)
        {
            key.Value = i % 2 == 0 ? "loss" : "acc";
            step.Value = i / 2;
            value.Value = i / 2 == 0 ? DBNull.Value : 0.5;
            await command.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
    }
}
