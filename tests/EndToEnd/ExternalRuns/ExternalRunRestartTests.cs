using System.Net;
using LayerLab.Tests.EndToEnd.Infrastructure;
using static LayerLab.Tests.EndToEnd.ExternalRuns.ExternalRunsPortal;

namespace LayerLab.Tests.EndToEnd.ExternalRuns;

/// <summary>A restart re-queues the portal's own Running runs; an external run is trained elsewhere and must stay Running.</summary>
[Collection(PortalCollection.Name)]
public sealed class ExternalRunRestartTests
{
    [Fact]
    public async Task An_external_run_stays_running_and_loggable_across_a_portal_restart()
    {
        using var db = new TempDatabase();
        long runId;
        await using (var first = await PortalProcess.StartAsync(db.FilePath))
        {
            runId = await CreateRunAsync(first.Http, "survives restarts");
            await first.StopAsync();
        }
        await using var second = await PortalProcess.StartAsync(db.FilePath);
        var run = await second.Http.GetJsonAsync($"/api/runs/{runId}");
        Assert.Equal("Running", run.GetProperty("status").GetString());
        Assert.Equal(0, await db.ScalarAsync($"SELECT CASE WHEN HangfireJobId IS NULL THEN 0 ELSE 1 END FROM Runs WHERE Id = {runId}"));
        var (status, body) = await SendJsonAsync(second.Http, HttpMethod.Post, $"/api/runs/{runId}/metrics",
            new { points = new[] { new { key = "loss", step = 1, value = 0.5 } } });
        Assert.True(status == HttpStatusCode.OK, $"{status} {body}");
    }
}
