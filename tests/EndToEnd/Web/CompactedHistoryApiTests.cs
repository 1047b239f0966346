using System.Net;
using System.Text;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Data.Sqlite;

namespace LayerLab.Tests.EndToEnd.Web;

/// <summary>
/// The compacted history through the real portal: an external run's status call (Succeeded) writes the blob in the
/// background, and the compare API answers the same bytes from it as from the rows before (JSON with times, binary).
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class CompactedHistoryApiTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    [Fact]
    public async Task A_finished_external_run_gets_a_blob_and_the_compare_api_answers_the_same()
    {
        var http = fixture.Portal.Http;
        var (created, run) = await http.PostJsonAsync("/api/runs/external", new { name = "compacted" });
        Assert.True(created == HttpStatusCode.Created, run.ToString());
        var id = run.GetProperty("id").GetInt64();
        var points = Enumerable.Range(0, 1000).Select(step => new
        {
            key = "loss", step = step * 3L, time = 1_790_000_000_000L + step, value = step % 97 == 0 ? (object)"NaN" : 1.0 / (1 + step),
        }).ToArray();
        var (logged, answer) = await http.PostJsonAsync($"/api/runs/{id}/metrics", new { points });
        Assert.True(logged == HttpStatusCode.OK, answer.ToString());

        var json = $"/api/compare/metrics?runs={id}&key=loss&format=json&times=true";
        var bin = $"/api/compare/metrics?runs={id}&key=loss&format=bin&times=true";
        var (jsonFromRows, binFromRows) = (await GetAsync(json), await GetAsync(bin));
        Assert.Equal(0, await BlobCountAsync(id)); // running: no blob

        using (var content = new StringContent("""{"status":"Succeeded"}""", Encoding.UTF8, "application/json"))
        using (var finished = await http.PutAsync(new Uri($"/api/runs/{id}/status", UriKind.Relative), content))
            Assert.Equal(HttpStatusCode.OK, finished.StatusCode);
        for (var i = 0; i < 300 && await BlobCountAsync(id) == 0; i++) await Task.Delay(50); // written in the background
        Assert.Equal(1, await BlobCountAsync(id));

        Assert.Equal(jsonFromRows, await GetAsync(json));
        Assert.Equal(binFromRows, await GetAsync(bin));
        Assert.Contains("null", Encoding.UTF8.GetString(jsonFromRows), StringComparison.Ordinal); // NaN made it through
    }

    private async Task<byte[]> GetAsync(string path)
    {
        using var response = await fixture.Portal.Http.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private async Task<long> BlobCountAsync(long runId)
    {
        await using var connection = new SqliteConnection($"Data Source={fixture.Portal.DatabasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM MetricHistoryBlobs WHERE RunId = $run";
        command.Parameters.AddWithValue("$run", runId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
