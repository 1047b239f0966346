using System.Net;
using System.Text.Json;
using LayerLab.Tests.EndToEnd.Infrastructure;

namespace LayerLab.Tests.EndToEnd.Security;

/// <summary>
/// A claim belongs to the worker that made it (its token and instance): another worker token — or the same token from
/// another instance — cannot end, extend or write into the run, and an external run is no worker's. Real portal
/// process (its own worker off); the workers are plain HTTP clients with worker tokens.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class WorkerClaimTests : IAsyncLifetime
{
    private const string InstanceHeader = "X-LayerLab-Worker";
    private readonly TempDatabase _db = new();
    private PortalProcess _portal = null!;

    public async Task InitializeAsync() =>
        _portal = await PortalProcess.StartAsync(_db.FilePath, new Dictionary<string, string> { ["LayerLab__Worker__Enabled"] = "false" });

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        _db.Dispose();
    }

    private HttpClient Worker(string token, string instance)
    {
        var client = new HttpClient { BaseAddress = _portal.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        client.DefaultRequestHeaders.Add(InstanceHeader, instance);
        return client;
    }

    [Fact]
    public async Task Another_worker_cannot_end_or_write_into_a_run_it_did_not_claim()
    {
        using var owner = Worker(await _portal.Http.CreateTokenAsync("worker a", "worker"), "host-a:1");
        var forgerToken = await _portal.Http.CreateTokenAsync("worker b", "worker");
        using var forger = Worker(forgerToken, "host-b:2");
        using var sameTokenOtherInstance = Worker(((string?)owner.DefaultRequestHeaders.Authorization!.Parameter)!, "host-a:9");

        var id = await _portal.Http.SubmitAsync(new { trials = 8, epochs = 150, lr_points = 2 });
        var (claimStatus, claim) = await owner.PostJsonAsync($"/api/workers/runs/{id}/claim", new { worker = "host-a:1", device = "cpu" });
        Assert.Equal(HttpStatusCode.OK, claimStatus);
        Assert.Equal((true, 1), (claim.GetProperty("claimed").GetBoolean(), claim.GetProperty("attempt").GetInt32()));

        foreach (var intruder in new[] { forger, sameTokenOtherInstance })
        {
            var refusals = new Dictionary<string, HttpStatusCode>
            {
                ["complete"] = (await intruder.PostJsonAsync($"/api/workers/runs/{id}/complete",
                    new { attempt = 1, summary = new { acc = 1 }, references = Array.Empty<object>(), verdict = "forged" })).Status,
                ["fail"] = (await intruder.PostJsonAsync($"/api/workers/runs/{id}/fail", new { attempt = 1, error = "forged" })).Status,
                ["cancelled"] = (await intruder.PostJsonAsync($"/api/workers/runs/{id}/cancelled", new { attempt = 1 })).Status,
                ["release"] = (await intruder.PostJsonAsync($"/api/workers/runs/{id}/release", new { attempt = 1 })).Status,
                ["resumed"] = (await intruder.PostJsonAsync($"/api/workers/runs/{id}/resumed", new { attempt = 1, step = 5 })).Status,
                ["metrics"] = (await intruder.PostJsonAsync($"/api/workers/runs/{id}/metrics",
                    new { attempt = 1, points = new[] { new { key = "loss", step = 0, value = 9.0 } } })).Status,
                ["progress"] = (await intruder.PostJsonAsync($"/api/workers/runs/{id}/progress", new { attempt = 1, fraction = 0.9 })).Status,
            };
            Assert.All(refusals, r => Assert.True(r.Value is HttpStatusCode.Forbidden or HttpStatusCode.Conflict, $"{r.Key}: {(int)r.Value}"));
            var (leaseStatus, lease) = await intruder.PostJsonAsync($"/api/workers/runs/{id}/lease", new { attempt = 1 });
            Assert.False(leaseStatus == HttpStatusCode.OK && lease.GetProperty("held").GetBoolean(), "an intruder renewed the lease");
        }

        var untouched = await _portal.Http.GetJsonAsync($"/api/runs/{id}");
        Assert.Equal(("Running", 1, "host-a:1"), (untouched.GetProperty("status").GetString(), untouched.GetProperty("attempt").GetInt32(),
            untouched.GetProperty("worker").GetString()));
        Assert.Equal(JsonValueKind.Null, untouched.GetProperty("verdict").ValueKind);
        Assert.Equal(0.0, untouched.GetProperty("progress").GetDouble());
        Assert.Equal(JsonValueKind.Null, untouched.GetProperty("resumedFromStep").ValueKind);
        Assert.Empty(await _db.PointsAsync(id));

        // The worker that claimed it still writes and ends it.
        Assert.Equal(HttpStatusCode.NoContent, (await owner.PostJsonAsync($"/api/workers/runs/{id}/metrics",
            new { attempt = 1, points = new[] { new { key = "loss", step = 0, value = 0.5 } } })).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await owner.PostJsonAsync($"/api/workers/runs/{id}/complete",
            new { attempt = 1, summary = new { acc = 0.75 }, references = Array.Empty<object>(), verdict = "real" })).Status);
        var done = await _portal.Http.GetJsonAsync($"/api/runs/{id}");
        Assert.Equal(("Succeeded", "real"), (done.GetProperty("status").GetString(), done.GetProperty("verdict").GetString()));
        Assert.Equal(new[] { ("loss", 0L, 0.5) }, await _db.PointsAsync(id));
    }

    [Fact]
    public async Task An_external_run_is_no_workers_to_claim_or_end()
    {
        using var worker = Worker(await _portal.Http.CreateTokenAsync("worker", "worker"), "host-c:3");
        var (created, run) = await _portal.Http.PostJsonAsync("/api/runs/external", new { name = "trained elsewhere" });
        Assert.Equal(HttpStatusCode.Created, created);
        var id = run.GetProperty("id").GetInt64();

        var (claimStatus, claim) = await worker.PostJsonAsync($"/api/workers/runs/{id}/claim", new { worker = "host-c:3", device = "cpu" });
        Assert.Equal(HttpStatusCode.OK, claimStatus);
        Assert.False(claim.GetProperty("claimed").GetBoolean());
        var (complete, _) = await worker.PostJsonAsync($"/api/workers/runs/{id}/complete",
            new { attempt = 1, summary = new { acc = 1 }, references = Array.Empty<object>(), verdict = "forged" });
        Assert.True(complete is HttpStatusCode.Forbidden or HttpStatusCode.Conflict, $"complete: {(int)complete}");

        var untouched = await _portal.Http.GetJsonAsync($"/api/runs/{id}");
        Assert.Equal(("Running", JsonValueKind.Null), (untouched.GetProperty("status").GetString(), untouched.GetProperty("verdict").ValueKind));
    }
}
