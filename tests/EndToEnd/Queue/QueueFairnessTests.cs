using System.Net;
using System.Text.Json;
using LayerLab.Tests.EndToEnd.Infrastructure;

namespace LayerLab.Tests.EndToEnd.Queue;

/// <summary>The queue on the real portal with one worker: fairness between people, priority within one person's
/// runs, the priority API's answers, and the notifications a run's end leaves for its owner.</summary>
[Collection(PortalCollection.Name)]
public sealed class QueueFairnessTests(QueuePortalFixture fixture) : IClassFixture<QueuePortalFixture>
{
    // A few tenths of a second each: long enough that Alice's sweep is still queued when Bob submits.
    private static readonly object ShortRun = new { trials = 100, epochs = 300, lr_points = 4 };
    private static readonly object EndlessRun = new { trials = 1000, epochs = 100000 };

    [Fact]
    public async Task Colleague_run_submitted_after_a_sweep_starts_before_most_of_it_and_priority_reorders_the_sweep()
    {
        var alice = new List<long>();
        for (var i = 0; i < 12; i++) alice.Add(await fixture.Alice.SubmitAsync(ShortRun, seed: i));
        var bob = await fixture.Bob.SubmitAsync(ShortRun, seed: 99);

        // The queue page's view agrees: Bob's run is next after at most the one run already handed to the worker.
        var queue = await fixture.Bob.GetJsonAsync("/api/queue");
        var bobPending = queue.GetProperty("pending").EnumerateArray().Single(p => p.GetProperty("runId").GetInt64() == bob);
        Assert.True(bobPending.GetProperty("position").GetInt32() <= 2, queue.ToString());
        // Only DispatchAhead (= the one worker) runs wait in Hangfire; the rest wait in SQLite.
        Assert.True(queue.GetProperty("pending").EnumerateArray().Count(p => p.GetProperty("dispatched").GetBoolean()) <= 1, queue.ToString());

        // Alice moves her last run to the front of her own runs.
        var last = alice[^1];
        var (status, body) = await fixture.Alice.PostJsonAsync($"/api/runs/{last}/priority", new { priority = 5 });
        Assert.True(status == HttpStatusCode.OK, $"{status} {body}");

        foreach (var id in alice.Append(bob))
            await fixture.Portal.Http.WaitForStatusAsync(id, TimeSpan.FromSeconds(120), "Succeeded");
        var started = new Dictionary<long, DateTimeOffset>();
        foreach (var id in alice.Append(bob))
            started[id] = (await fixture.Portal.Http.GetJsonAsync($"/api/runs/{id}")).GetProperty("startedAt").GetDateTimeOffset();
        var order = started.OrderBy(kv => kv.Value).Select(kv => kv.Key).ToList();
        var log = $"start order {string.Join(",", order)}; alice {string.Join(",", alice)}; bob {bob}";

        // One running and one dispatched when Bob came: his run is at most third of thirteen.
        Assert.True(order.IndexOf(bob) <= 2, log);
        Assert.True(alice.Count(a => started[a] > started[bob]) >= 9, log);
        // Alice's prioritised last run overtook her runs still waiting in SQLite when she raised it.
        var aliceOrder = order.Where(alice.Contains).ToList();
        Assert.True(aliceOrder.IndexOf(last) <= 4, log);
        Assert.True(alice.Count(a => started[a] > started[last]) >= 6, log);

        // Each ended run told its owner; Bob hears only of his.
        var bobNotes = await fixture.Bob.GetJsonAsync("/api/notifications");
        Assert.Equal(1, bobNotes.GetProperty("unread").GetInt32());
        var note = bobNotes.GetProperty("items")[0];
        Assert.Equal($"/runs/{bob}", note.GetProperty("link").GetString());
        Assert.Contains("succeeded", note.GetProperty("text").GetString(), StringComparison.Ordinal);
        var aliceNotes = await fixture.Alice.GetJsonAsync("/api/notifications");
        var sweepLinks = alice.Select(id => $"/runs/{id}").ToHashSet();
        var sweepNotes = aliceNotes.GetProperty("items").EnumerateArray().Where(n => sweepLinks.Contains(n.GetProperty("link").GetString()!)).ToList();
        Assert.Equal(12, sweepNotes.Count);
        Assert.All(sweepNotes, n => Assert.False(n.GetProperty("read").GetBoolean()));
        var aliceUnread = aliceNotes.GetProperty("unread").GetInt32(); // the other test's cancelled run may add one

        // Marking read: one, then the rest; nobody marks someone else's.
        var aliceFirst = aliceNotes.GetProperty("items")[0].GetProperty("id").GetInt64();
        using (var foreign = await fixture.Bob.PostAsync(new Uri($"/api/notifications/{aliceFirst}/read", UriKind.Relative), null))
            Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        using (var own = await fixture.Alice.PostAsync(new Uri($"/api/notifications/{aliceFirst}/read", UriKind.Relative), null))
            Assert.Equal(HttpStatusCode.NoContent, own.StatusCode);
        Assert.Equal(aliceUnread - 1, (await fixture.Alice.GetJsonAsync("/api/notifications")).GetProperty("unread").GetInt32());
        using (var all = await fixture.Alice.PostAsync(new Uri("/api/notifications/read-all", UriKind.Relative), null))
            Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        Assert.Equal(0, (await fixture.Alice.GetJsonAsync("/api/notifications")).GetProperty("unread").GetInt32());

        // With finished xor-prelu runs to go on, a waiting run gets an estimated start; the running one its worker.
        var blocker = await fixture.Alice.SubmitAsync(EndlessRun);
        await fixture.Alice.WaitForStatusAsync(blocker, TimeSpan.FromSeconds(60), "Running");
        var waiting = await fixture.Bob.SubmitAsync(ShortRun);
        var busy = await fixture.Bob.GetJsonAsync("/api/queue");
        using (await fixture.Alice.PostAsync(new Uri($"/api/runs/{blocker}/cancel", UriKind.Relative), null)) { }
        using (await fixture.Bob.PostAsync(new Uri($"/api/runs/{waiting}/cancel", UriKind.Relative), null)) { }
        var running = busy.GetProperty("running").EnumerateArray().Single();
        Assert.Equal(blocker, running.GetProperty("runId").GetInt64());
        Assert.False(string.IsNullOrEmpty(running.GetProperty("worker").GetString()), busy.ToString());
        var estimate = busy.GetProperty("pending").EnumerateArray().Single(p => p.GetProperty("runId").GetInt64() == waiting).GetProperty("estimatedStart");
        Assert.True(estimate.ValueKind == JsonValueKind.String, busy.ToString());
        await fixture.Alice.WaitForStatusAsync(blocker, TimeSpan.FromSeconds(30), "Cancelled");
    }

    [Fact]
    public async Task Priority_api_answers_400_403_404_and_409_clearly_and_stores_nothing_on_bad_input()
    {
        var blocker = await fixture.Alice.SubmitAsync(EndlessRun);
        await fixture.Alice.WaitForStatusAsync(blocker, TimeSpan.FromSeconds(60), "Running");
        var queued = await fixture.Alice.SubmitAsync(ShortRun);
        var waiting = await fixture.Alice.SubmitAsync(ShortRun);
        try
        {
            await AssertInvalidAsync(fixture.Alice, queued, new { });
            await AssertInvalidAsync(fixture.Alice, queued, new { priority = 5000 });
            await AssertInvalidAsync(fixture.Alice, queued, new { priority = 1, extra = true }, namesPriority: false);
            await AssertInvalidAsync(fixture.Alice, queued, new { priority = "high" }, namesPriority: false);
            Assert.Equal(0, await PriorityOfAsync(queued));

            Assert.Equal(HttpStatusCode.Forbidden, (await fixture.Bob.PostJsonAsync($"/api/runs/{queued}/priority", new { priority = 3 })).Status);
            Assert.Equal(HttpStatusCode.NotFound, (await fixture.Alice.PostJsonAsync("/api/runs/999999/priority", new { priority = 3 })).Status);
            Assert.Equal(HttpStatusCode.Conflict, (await fixture.Alice.PostJsonAsync($"/api/runs/{blocker}/priority", new { priority = 3 })).Status);
            Assert.Equal(0, await PriorityOfAsync(queued));

            // The owner and an admin may; the queue shows it.
            Assert.Equal(HttpStatusCode.OK, (await fixture.Alice.PostJsonAsync($"/api/runs/{queued}/priority", new { priority = -2 })).Status);
            Assert.Equal(HttpStatusCode.OK, (await fixture.Portal.Http.PostJsonAsync($"/api/runs/{waiting}/priority", new { priority = 7 })).Status);
            var pending = (await fixture.Bob.GetJsonAsync("/api/queue")).GetProperty("pending").EnumerateArray().ToList();
            Assert.Equal(7, pending.Single(p => p.GetProperty("runId").GetInt64() == waiting).GetProperty("priority").GetInt32());
            Assert.Equal(-2, await PriorityOfAsync(queued));
        }
        finally
        {
            foreach (var id in new[] { blocker, queued, waiting })
                using (await fixture.Alice.PostAsync(new Uri($"/api/runs/{id}/cancel", UriKind.Relative), null)) { }
            await fixture.Alice.WaitForStatusAsync(blocker, TimeSpan.FromSeconds(30), "Cancelled");
        }
    }

    /// <summary>400; when the body was well-formed JSON of the right shape, the error names the field.</summary>
    private static async Task AssertInvalidAsync(HttpClient client, long runId, object body, bool namesPriority = true)
    {
        var (status, json) = await client.PostJsonAsync($"/api/runs/{runId}/priority", body);
        Assert.True(status == HttpStatusCode.BadRequest, $"{status} {json}");
        if (namesPriority)
            Assert.True(json.ValueKind == JsonValueKind.Object && json.GetProperty("errors").TryGetProperty("priority", out _), json.ToString());
    }

    private Task<long> PriorityOfAsync(long runId) => fixture.Database.ScalarAsync($"SELECT Priority FROM Runs WHERE Id = {runId}");
}
