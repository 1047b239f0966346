using LayerLab.Tests.EndToEnd.Infrastructure;

namespace LayerLab.Tests.EndToEnd.Integration;

[Collection(PortalCollection.Name)]
public sealed class RestartRecoveryTests : IDisposable
{
    private readonly TempDatabase _db = new();

    [Fact]
    public async Task Run_queued_before_a_restart_completes_after_it()
    {
        long id;
        // First life: the portal accepts the run but has no worker, so it stays Queued in SQLite.
        await using (var first = await PortalProcess.StartAsync(_db.FilePath, new Dictionary<string, string> { ["LayerLab__Worker__Enabled"] = "false" }))
        {
            id = await first.Http.SubmitAsync(new { trials = 10, epochs = 60, lr_points = 3 });
            await Task.Delay(500);
            Assert.Equal("Queued", (await first.Http.GetJsonAsync($"/api/runs/{id}")).GetProperty("status").GetString());
        }

        // Second life on the same file: start-up recovery queues it again and the worker trains it.
        await using var second = await PortalProcess.StartAsync(_db.FilePath);
        var run = await second.Http.WaitForStatusAsync(id, TimeSpan.FromSeconds(90), LabApi.FinishedStatuses);
        Assert.True(run.GetProperty("status").GetString() == "Succeeded", $"{run}\n{second.Log}");
        Assert.Equal(1, run.GetProperty("attempt").GetInt32());
    }

    [Fact]
    public async Task Run_interrupted_while_running_is_trained_again_after_a_restart()
    {
        long id;
        await using (var first = await PortalProcess.StartAsync(_db.FilePath))
        {
            id = await first.Http.SubmitAsync(new { trials = 1000, epochs = 100000 });
            await first.Http.WaitForStatusAsync(id, TimeSpan.FromSeconds(30), "Running");
        }
        Assert.Equal(0, await _db.ScalarAsync($"SELECT COUNT(*) FROM Runs WHERE Id = {id} AND Status IN ('Succeeded','Failed','Cancelled')"));

        await using var second = await PortalProcess.StartAsync(_db.FilePath);
        var run = await second.Http.WaitForStatusAsync(id, TimeSpan.FromSeconds(30), "Running");
        Assert.Equal(2, run.GetProperty("attempt").GetInt32());
        using var cancel = await second.Http.PostAsync(new Uri($"/api/runs/{id}/cancel", UriKind.Relative), null);
        await second.Http.WaitForStatusAsync(id, TimeSpan.FromSeconds(10), "Cancelled");
    }

    public void Dispose() => _db.Dispose();
}
