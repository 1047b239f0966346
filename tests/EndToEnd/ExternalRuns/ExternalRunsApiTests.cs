using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using static LayerLab.Tests.EndToEnd.ExternalRuns.ExternalRunsPortal;

namespace LayerLab.Tests.EndToEnd.ExternalRuns;

/// <summary>Runs trained elsewhere, logged over HTTP, against the real portal process.</summary>
[Collection(PortalCollection.Name)]
public sealed class ExternalRunsApiTests(ExternalRunsPortal lab) : IClassFixture<ExternalRunsPortal>
{
    public sealed record LivePoint(string Key, long Step, double? Value);
    public sealed record LiveBatch(long RunId, List<LivePoint> Points);

    [Fact]
    public async Task External_run_round_trip_stores_metrics_streams_them_live_and_ends_once()
    {
        var (created, run) = await SendJsonAsync(lab.Alice, HttpMethod.Post, "/api/runs/external",
            new { name = "resnet on my laptop", project = "vision", tags = new[] { "laptop" }, parameters = new { lr = 0.1, optimizer = "sgd", nesterov = true } });
        Assert.Equal(HttpStatusCode.Created, created);
        var id = run.GetProperty("id").GetInt64();
        Assert.Equal("Running", run.GetProperty("status").GetString());
        Assert.Equal("External", run.GetProperty("source").GetString());
        Assert.Equal("external", run.GetProperty("experiment").GetString());
        Assert.Equal("resnet on my laptop", run.GetProperty("name").GetString());
        Assert.Equal("sgd", run.GetProperty("parameters").GetProperty("optimizer").GetString());
        Assert.True(run.GetProperty("startedAt").ValueKind == JsonValueKind.String);

        var pushed = new List<LivePoint>();
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(lab.Portal.BaseAddress, "/hubs/runs"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(lab.AliceTokenText))
            .Build();
        hub.On<LiveBatch>("MetricsAppended", m => { lock (pushed) pushed.AddRange(m.Points); });
        await hub.StartAsync();
        await hub.InvokeAsync("JoinRun", id);

        var batches = new[]
        {
            "[{\"key\":\"loss\",\"step\":0,\"value\":2.5},{\"key\":\"acc\",\"step\":0,\"value\":0.1}]",
            "[{\"key\":\"loss\",\"step\":1,\"value\":\"NaN\"},{\"key\":\"loss\",\"step\":2,\"value\":\"Infinity\"},{\"key\":\"loss\",\"step\":3,\"value\":\"-Infinity\"}]",
            "[{\"key\":\"loss\",\"step\":4,\"value\":0.5},{\"key\":\"acc\",\"step\":4,\"value\":0.9}]",
        };
        var nonFinite = 0;
        foreach (var batch in batches)
        {
            var (status, answer) = await SendRawJsonAsync(lab.Alice, HttpMethod.Post, $"/api/runs/{id}/metrics", $"{{\"points\":{batch}}}");
            Assert.True(status == HttpStatusCode.OK, $"{status} {answer}");
            nonFinite += answer.GetProperty("nonFinite").GetInt32();
        }
        Assert.Equal(3, nonFinite);
        // A 200 means stored: read the database directly, without waiting.
        Assert.Equal(7, await lab.Db.ScalarAsync($"SELECT COUNT(*) FROM MetricPoints WHERE RunId = {id}"));
        Assert.Equal(1, await lab.Db.ScalarAsync($"SELECT COUNT(*) FROM MetricPoints WHERE RunId = {id} AND Key = 'loss' AND Step = 1 AND Value IS NULL"));

        var metrics = await lab.Alice.GetJsonAsync($"/api/runs/{id}/metrics");
        var loss = metrics.GetProperty("series").GetProperty("loss");
        Assert.Equal([0L, 1, 2, 3, 4], loss.GetProperty("steps").EnumerateArray().Select(s => s.GetInt64()));
        Assert.Equal([2.5, null, null, null, 0.5], loss.GetProperty("values").EnumerateArray()
            .Select(v => v.ValueKind == JsonValueKind.Null ? (double?)null : v.GetDouble()));

        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(10) && pushed.Count < 7) await Task.Delay(50);
        lock (pushed) Assert.Equal(7, pushed.Count);

        var (ended, final) = await SendJsonAsync(lab.Alice, HttpMethod.Put, $"/api/runs/{id}/status",
            new { status = "Succeeded", summary = new Dictionary<string, double> { ["final_loss"] = 0.5, ["acc"] = 0.9 } });
        Assert.True(ended == HttpStatusCode.OK, $"{ended} {final}");
        Assert.Equal("Succeeded", final.GetProperty("status").GetString());
        Assert.Equal(0.5, final.GetProperty("summary").GetProperty("final_loss").GetDouble());
        // The end reaches the "run finished" subscribers as a catalog run's does: the owner's bell rings once.
        var notes = (await lab.Alice.GetJsonAsync("/api/notifications")).GetProperty("items").EnumerateArray()
            .Where(n => n.GetProperty("link").GetString() == $"/runs/{id}").ToList();
        Assert.Single(notes);
        Assert.Equal($"Run #{id} (resnet on my laptop) succeeded", notes[0].GetProperty("text").GetString());

        var (again, _) = await SendJsonAsync(lab.Alice, HttpMethod.Put, $"/api/runs/{id}/status", new { status = "Failed" });
        Assert.Equal(HttpStatusCode.Conflict, again);
        var (late, _) = await SendRawJsonAsync(lab.Alice, HttpMethod.Post, $"/api/runs/{id}/metrics", "{\"points\":[{\"key\":\"loss\",\"step\":9,\"value\":1}]}");
        Assert.Equal(HttpStatusCode.Conflict, late);

        var list = await lab.Portal.Http.GetJsonAsync("/api/runs");
        var listed = list.EnumerateArray().Single(r => r.GetProperty("id").GetInt64() == id);
        Assert.Equal("External", listed.GetProperty("source").GetString());
        Assert.Equal("Succeeded", listed.GetProperty("status").GetString());
        Assert.Equal("{\"final_loss\":0.5,\"acc\":0.9}", await SummaryAsync(id));
    }

    [Fact]
    public async Task A_repeated_metric_step_keeps_the_first_value_stored_latest_extremes_and_live_and_is_pushed_once()
    {
        var id = await CreateRunAsync(lab.Alice, "repeated step");
        var pushed = new List<LivePoint>();
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(lab.Portal.BaseAddress, "/hubs/runs"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(lab.AliceTokenText))
            .Build();
        hub.On<LiveBatch>("MetricsAppended", m => { lock (pushed) pushed.AddRange(m.Points); });
        await hub.StartAsync();
        await hub.InvokeAsync("JoinRun", id);

        // loss@0 = 2.5, then the same (run, metric, step) again with 9.9 (a client retrying with another value).
        await PostLossAsync(0, "2.5");
        await PostLossAsync(0, "9.9");

        // Stored: one row for step 0, still 2.5; the latest value and the extremes are 2.5 too.
        Assert.Equal(1, await lab.Db.ScalarAsync($"SELECT COUNT(*) FROM MetricPoints WHERE RunId = {id} AND Key = 'loss' AND Step = 0"));
        Assert.Equal(1, await lab.Db.ScalarAsync($"SELECT COUNT(*) FROM MetricPoints WHERE RunId = {id} AND Key = 'loss' AND Step = 0 AND Value = 2.5"));
        Assert.Equal(1, await lab.Db.ScalarAsync(
            $"SELECT COUNT(*) FROM LatestMetrics WHERE RunId = {id} AND Key = 'loss' AND Step = 0 AND Value = 2.5 AND Min = 2.5 AND Max = 2.5"));

        // loss@1 = 1.0: the history and the extremes never held 9.9; and once step 1 is pushed, any push of the
        // repeat (sent before it, on the same connection) has arrived too.
        await PostLossAsync(1, "1.0");
        var loss = (await lab.Alice.GetJsonAsync($"/api/runs/{id}/metrics")).GetProperty("series").GetProperty("loss");
        Assert.Equal([0L, 1], loss.GetProperty("steps").EnumerateArray().Select(s => s.GetInt64()));
        Assert.Equal([2.5, 1.0], loss.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal(1, await lab.Db.ScalarAsync(
            $"SELECT COUNT(*) FROM LatestMetrics WHERE RunId = {id} AND Key = 'loss' AND Step = 1 AND Value = 1.0 AND Min = 1.0 AND Max = 2.5"));

        // Live: step 0 pushed once, with 2.5.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(10) && !HasStep(1)) await Task.Delay(50);
        Assert.True(HasStep(1), "step 1 was never pushed");
        lock (pushed)
        {
            var stepZero = Assert.Single(pushed, p => p.Step == 0);
            Assert.Equal(2.5, stepZero.Value);
            Assert.Equal(2, pushed.Count);
        }

        bool HasStep(long step) { lock (pushed) return pushed.Any(p => p.Step == step); }

        async Task PostLossAsync(long step, string value)
        {
            var (status, answer) = await SendRawJsonAsync(lab.Alice, HttpMethod.Post, $"/api/runs/{id}/metrics",
                $"{{\"points\":[{{\"key\":\"loss\",\"step\":{step},\"value\":{value}}}]}}");
            Assert.True(status == HttpStatusCode.OK, $"{status} {answer}");
        }
    }

    [Fact]
    public async Task The_run_list_filters_by_source_status_and_experiment()
    {
        var external = await CreateRunAsync(lab.Alice, "filtered");
        var catalog = await lab.Alice.SubmitAsync(new { trials = 1, epochs = 1, lr_points = 1 });
        static List<long> Ids(JsonElement list) => list.EnumerateArray().Select(r => r.GetProperty("id").GetInt64()).ToList();

        var externals = await lab.Alice.GetJsonAsync("/api/runs?source=External&take=1000");
        Assert.Contains(external, Ids(externals));
        Assert.DoesNotContain(catalog, Ids(externals));
        Assert.All(externals.EnumerateArray(), r => Assert.Equal("External", r.GetProperty("source").GetString()));

        var queued = Ids(await lab.Alice.GetJsonAsync("/api/runs?status=Queued&experiment=xor-prelu&take=1000"));
        Assert.Contains(catalog, queued);
        Assert.DoesNotContain(external, queued);

        var firstTwo = Ids(await lab.Alice.GetJsonAsync("/api/runs?take=2"));
        var next = Ids(await lab.Alice.GetJsonAsync("/api/runs?take=2&skip=1"));
        Assert.Equal(firstTwo[1], next[0]);
        using var bad = await lab.Alice.GetAsync(new Uri("/api/runs?status=Exploded", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    private async Task<string> SummaryAsync(long id)
    {
        var run = await lab.Alice.GetJsonAsync($"/api/runs/{id}");
        return run.GetProperty("summary").GetRawText();
    }

    public static TheoryData<string> BadInputs => new()
    {
        "1001 points", "2 MB body", "negative step", "fractional step", "value abc", "value object", "key of 201 chars",
        "bad key characters", "unknown point field", "unknown top-level field", "nested parameter", "array parameter",
        "1 MB string", "64-deep JSON", "empty name", "201 parameters", "huge number",
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_is_refused_with_the_field_named_and_nothing_stored(string scenario)
    {
        var runId = await CreateRunAsync(lab.Alice, "bad-input target");
        var points = await lab.Db.ScalarAsync("SELECT COUNT(*) FROM MetricPoints");
        var runs = await lab.Db.ScalarAsync("SELECT COUNT(*) FROM Runs");
        const string good = "{\"key\":\"loss\",\"step\":1,\"value\":0.5}";
        string Batch(string second) => $"{{\"points\":[{good},{second}]}}";
        var metricsPath = $"/api/runs/{runId}/metrics";
        const string create = "/api/runs/external";

        var (path, json, expected, field) = scenario switch
        {
            "1001 points" => (metricsPath, $"{{\"points\":[{string.Join(",", Enumerable.Range(0, 1001).Select(i => $"{{\"key\":\"loss\",\"step\":{i},\"value\":1}}"))}]}}",
                HttpStatusCode.BadRequest, "points"),
            "2 MB body" => (metricsPath, $"{{\"points\":[{{\"key\":\"loss\",\"step\":1,\"value\":1,\"pad\":\"{new string('x', 2 * 1024 * 1024)}\"}}]}}",
                HttpStatusCode.RequestEntityTooLarge, null),
            "negative step" => (metricsPath, Batch("{\"key\":\"loss\",\"step\":-1,\"value\":1}"), HttpStatusCode.BadRequest, "points[1].step"),
            "fractional step" => (metricsPath, Batch("{\"key\":\"loss\",\"step\":1.5,\"value\":1}"), HttpStatusCode.BadRequest, "points[1].step"),
            "value abc" => (metricsPath, Batch("{\"key\":\"loss\",\"step\":2,\"value\":\"abc\"}"), HttpStatusCode.BadRequest, "points[1].value"),
            "value object" => (metricsPath, Batch("{\"key\":\"loss\",\"step\":2,\"value\":{}}"), HttpStatusCode.BadRequest, "points[1].value"),
            "key of 201 chars" => (metricsPath, Batch($"{{\"key\":\"{new string('k', 201)}\",\"step\":2,\"value\":1}}"), HttpStatusCode.BadRequest, "points[1].key"),
            "bad key characters" => (metricsPath, Batch("{\"key\":\"loss<script>\",\"step\":2,\"value\":1}"), HttpStatusCode.BadRequest, "points[1].key"),
            "unknown point field" => (metricsPath, Batch("{\"key\":\"loss\",\"step\":2,\"value\":1,\"wall\":3}"), HttpStatusCode.BadRequest, "points[1].wall"),
            "huge number" => (metricsPath, Batch("{\"key\":\"loss\",\"step\":2,\"value\":1e400}"), HttpStatusCode.BadRequest, "points[1].value"),
            "unknown top-level field" => (create, "{\"name\":\"x\",\"colour\":\"red\"}", HttpStatusCode.BadRequest, "colour"),
            "nested parameter" => (create, "{\"name\":\"x\",\"parameters\":{\"opt\":{\"lr\":1}}}", HttpStatusCode.BadRequest, "parameters.opt"),
            "array parameter" => (create, "{\"name\":\"x\",\"parameters\":{\"layers\":[1,2]}}", HttpStatusCode.BadRequest, "parameters.layers"),
            "1 MB string" => (create, $"{{\"name\":\"x\",\"parameters\":{{\"note\":\"{new string('n', 1_000_000)}\"}}}}", HttpStatusCode.BadRequest, "parameters.note"),
            "64-deep JSON" => (create, $"{{\"name\":\"x\",\"parameters\":{{\"a\":{new string('[', 64)}{new string(']', 64)}}}}}", HttpStatusCode.BadRequest, "body"),
            "empty name" => (create, "{\"name\":\"\"}", HttpStatusCode.BadRequest, "name"),
            "201 parameters" => (create, $"{{\"name\":\"x\",\"parameters\":{{{string.Join(",", Enumerable.Range(0, 201).Select(i => $"\"p{i}\":{i}"))}}}}}",
                HttpStatusCode.BadRequest, "parameters"),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
        };

        var (status, body) = await SendRawJsonAsync(lab.Alice, HttpMethod.Post, path, json);
        Assert.True(status == expected, $"{scenario}: {status} {body}");
        if (field is not null)
        {
            var errors = body.GetProperty("errors");
            Assert.True(errors.TryGetProperty(field, out _), $"{scenario}: no error for {field} in {body}");
        }
        Assert.Equal(points, await lab.Db.ScalarAsync("SELECT COUNT(*) FROM MetricPoints"));
        Assert.Equal(runs, await lab.Db.ScalarAsync("SELECT COUNT(*) FROM Runs"));
    }

    [Fact]
    public async Task Only_owners_with_write_access_may_create_log_or_end_and_only_running_external_runs_take_metrics()
    {
        var runs = await lab.Db.ScalarAsync("SELECT COUNT(*) FROM Runs");
        var (readOnlyCreate, _) = await SendJsonAsync(lab.AliceReadOnly, HttpMethod.Post, "/api/runs/external", new { name = "nope" });
        Assert.Equal(HttpStatusCode.Forbidden, readOnlyCreate);
        var (anonymous, _) = await SendJsonAsync(lab.Portal.Anonymous, HttpMethod.Post, "/api/runs/external", new { name = "nope" });
        Assert.True(anonymous is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.Redirect, $"{anonymous}");
        Assert.Equal(runs, await lab.Db.ScalarAsync("SELECT COUNT(*) FROM Runs"));

        var mine = await CreateRunAsync(lab.Alice, "alice's");
        var point = new { points = new[] { new { key = "loss", step = 1, value = 1.0 } } };
        Assert.Equal(HttpStatusCode.Forbidden, (await SendJsonAsync(lab.AliceReadOnly, HttpMethod.Post, $"/api/runs/{mine}/metrics", point)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendJsonAsync(lab.Bob, HttpMethod.Post, $"/api/runs/{mine}/metrics", point)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendJsonAsync(lab.Bob, HttpMethod.Put, $"/api/runs/{mine}/status", new { status = "Failed" })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(lab.Bob, HttpMethod.Post, $"/api/runs/{mine}/artifacts", Multipart("x.txt", [1]))).Status);
        Assert.Equal(0, await lab.Db.ScalarAsync($"SELECT COUNT(*) FROM MetricPoints WHERE RunId = {mine}"));
        Assert.Equal(HttpStatusCode.NotFound, (await SendJsonAsync(lab.Alice, HttpMethod.Post, "/api/runs/987654/metrics", point)).Status);
        // The admin may log to anyone's run.
        Assert.Equal(HttpStatusCode.OK, (await SendJsonAsync(lab.AdminToken, HttpMethod.Post, $"/api/runs/{mine}/metrics", point)).Status);

        var catalog = await lab.Alice.SubmitAsync(new { trials = 1, epochs = 1, lr_points = 1 });
        Assert.Equal(HttpStatusCode.Conflict, (await SendJsonAsync(lab.Alice, HttpMethod.Post, $"/api/runs/{catalog}/metrics", point)).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await SendJsonAsync(lab.Alice, HttpMethod.Put, $"/api/runs/{catalog}/status", new { status = "Succeeded" })).Status);
        Assert.Equal(0, await lab.Db.ScalarAsync($"SELECT COUNT(*) FROM MetricPoints WHERE RunId = {catalog}"));

        Assert.Equal(HttpStatusCode.OK, (await SendJsonAsync(lab.Alice, HttpMethod.Put, $"/api/runs/{mine}/status", new { status = "Failed", error = "OOM" })).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await SendJsonAsync(lab.Alice, HttpMethod.Put, $"/api/runs/{mine}/status", new { status = "Failed", error = "OOM" })).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await SendJsonAsync(lab.Alice, HttpMethod.Put, $"/api/runs/{mine}/status", new { status = "Succeeded" })).Status);
        var run = await lab.Alice.GetJsonAsync($"/api/runs/{mine}");
        Assert.Equal("Failed", run.GetProperty("status").GetString());
        Assert.Equal("OOM", run.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Artifacts_round_trip_as_attachments_and_stay_with_their_run()
    {
        var runId = await CreateRunAsync(lab.Alice, "with artifacts");
        var data = RandomNumberGenerator.GetBytes(200_000);
        using var form = new MultipartFormDataContent { { new ByteArrayContent(data), "file", "model <best>.pt" } };
        var (status, artifact) = await SendAsync(lab.Alice, HttpMethod.Post, $"/api/runs/{runId}/artifacts", form);
        Assert.True(status == HttpStatusCode.Created, $"{status} {artifact}");
        Assert.Equal("model <best>.pt", artifact.GetProperty("name").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), artifact.GetProperty("sha256").GetString());
        var artifactId = artifact.GetProperty("id").GetInt64();

        var listed = await lab.Bob.GetJsonAsync($"/api/runs/{runId}/artifacts");
        Assert.Equal(artifactId, listed.EnumerateArray().Single().GetProperty("id").GetInt64());

        using (var download = await lab.Bob.GetAsync(new Uri($"/api/runs/{runId}/artifacts/{artifactId}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal(data, await download.Content.ReadAsByteArrayAsync());
            Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
            Assert.Equal("model <best>.pt", download.Content.Headers.ContentDisposition?.FileNameStar);
            Assert.Equal("application/octet-stream", download.Content.Headers.ContentType?.MediaType);
            Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        }
        // On disk under a GUID name in the run's folder, never under the client's name.
        var stored = Directory.GetFiles(Path.Combine(lab.ArtifactsFolder, runId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Matches("^[0-9a-f]{32}$", Path.GetFileName(Assert.Single(stored)));

        // The same id under another run is not found.
        var other = await CreateRunAsync(lab.Alice, "other");
        using (var cross = await lab.Alice.GetAsync(new Uri($"/api/runs/{other}/artifacts/{artifactId}", UriKind.Relative)))
            Assert.Equal(HttpStatusCode.NotFound, cross.StatusCode);

        // Catalog runs take artifacts too (owner or admin); a file over the limit is refused with nothing written.
        var catalog = await lab.Alice.SubmitAsync(new { trials = 1, epochs = 1, lr_points = 1 });
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(lab.Alice, HttpMethod.Post, $"/api/runs/{catalog}/artifacts", Multipart("notes.txt", Encoding.UTF8.GetBytes("hello")))).Status);
        var rows = await lab.Db.ScalarAsync("SELECT COUNT(*) FROM Artifacts");
        var (tooLarge, _) = await SendAsync(lab.Alice, HttpMethod.Post, $"/api/runs/{runId}/artifacts", Multipart("big.bin", new byte[ArtifactLimit + 1]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge);
        Assert.Equal(rows, await lab.Db.ScalarAsync("SELECT COUNT(*) FROM Artifacts"));
        Assert.Single(Directory.GetFiles(Path.Combine(lab.ArtifactsFolder, runId.ToString(System.Globalization.CultureInfo.InvariantCulture))));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("..\\x")]
    [InlineData("%2e%2e%2fx")]
    [InlineData("%252e%252e%252fx")]
    [InlineData("/etc/passwd")]
    [InlineData("a\0b")]
    [InlineData("C:\\x")]
    [InlineData("..")]
    public async Task Artifact_names_that_look_like_paths_are_refused_and_nothing_is_written(string name)
    {
        var runId = await CreateRunAsync(lab.Alice, "names");
        var rows = await lab.Db.ScalarAsync("SELECT COUNT(*) FROM Artifacts");
        var filesBefore = Directory.Exists(lab.ArtifactsFolder) ? Directory.GetFiles(lab.ArtifactsFolder, "*", SearchOption.AllDirectories).Length : 0;

        var (status, body) = await SendAsync(lab.Alice, HttpMethod.Post, $"/api/runs/{runId}/artifacts", Multipart(name, Encoding.UTF8.GetBytes("root:x:0:0")));
        Assert.True(status == HttpStatusCode.BadRequest, $"{name}: {status} {body}");
        Assert.Equal(rows, await lab.Db.ScalarAsync("SELECT COUNT(*) FROM Artifacts"));
        var filesAfter = Directory.Exists(lab.ArtifactsFolder) ? Directory.GetFiles(lab.ArtifactsFolder, "*", SearchOption.AllDirectories).Length : 0;
        Assert.Equal(filesBefore, filesAfter);
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(lab.Db.FilePath)!, "x")));
    }

    [Fact]
    public async Task Points_keep_the_time_sent_or_the_time_they_arrived_and_a_bad_time_is_named()
    {
        var id = await CreateRunAsync(lab.Alice, "timed");
        const long Sent = 1_795_000_000_000; // 2026-11-18
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var (ok, body) = await SendJsonAsync(lab.Alice, HttpMethod.Post, $"/api/runs/{id}/metrics",
            new { points = new object[] { new { key = "loss", step = 0, value = 1.0, time = Sent }, new { key = "loss", step = 1, value = 0.5 } } });
        Assert.True(ok == HttpStatusCode.OK, $"{ok} {body}");
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var series = (await lab.Alice.GetJsonAsync($"/api/compare/metrics?runs={id}&key=loss")).GetProperty("runs")[0];
        var times = series.GetProperty("times").EnumerateArray().Select(t => t.GetInt64()).ToList();
        Assert.Equal(Sent, times[0]);
        Assert.InRange(times[1], before, after); // stamped when the batch arrived

        foreach (var bad in new object[] { "soon", 1_795_000_000L /* seconds, not ms */, 1.5e12 + 0.5 })
        {
            var (status, error) = await SendJsonAsync(lab.Alice, HttpMethod.Post, $"/api/runs/{id}/metrics",
                new { points = new[] { new { key = "loss", step = 2, value = 0.1, time = bad } } });
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.True(error.GetProperty("errors").TryGetProperty("points[0].time", out _), error.ToString());
        }
        var stored = (await lab.Alice.GetJsonAsync($"/api/compare/metrics?runs={id}&key=loss")).GetProperty("runs")[0].GetProperty("steps").GetArrayLength();
        Assert.Equal(2, stored); // nothing from the rejected batches
    }
}
