using System.Net;
using System.Text.Json;
using LayerLab.Tests.EndToEnd.ExternalRuns;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using static LayerLab.Tests.EndToEnd.Mlflow.MlflowWire;

namespace LayerLab.Tests.EndToEnd.Mlflow;

/// <summary>The MLflow API's rules beyond the happy path: who may do what, search, soft delete, errors, live streaming.</summary>
[Collection(PortalCollection.Name)]
public sealed class MlflowApiTests(ExternalRunsPortal lab) : IClassFixture<ExternalRunsPortal>
{
    public sealed record LivePoint(string Key, long Step, double? Value);
    public sealed record LiveBatch(long RunId, List<LivePoint> Points);

    /// <summary>Every MLflow route this portal maps, under both prefixes.</summary>
    public static TheoryData<string, string> Routes()
    {
        var data = new TheoryData<string, string>();
        string[] posts =
        [
            "experiments/create", "experiments/search", "experiments/update", "experiments/delete", "experiments/restore",
            "experiments/set-experiment-tag", "runs/create", "runs/update", "runs/delete", "runs/restore", "runs/search",
            "runs/log-metric", "runs/log-parameter", "runs/set-tag", "runs/delete-tag", "runs/log-batch", "runs/log-inputs",
            "registered-models/create",
        ];
        string[] gets = ["experiments/get", "experiments/get-by-name", "experiments/search", "runs/get", "metrics/get-history", "unknown/endpoint"];
        foreach (var prefix in new[] { "/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/" })
        {
            foreach (var route in posts) data.Add("POST", prefix + route);
            foreach (var route in gets) data.Add("GET", prefix + route);
        }
        foreach (var prefix in new[] { "/api/2.0/mlflow-artifacts/artifacts", "/ajax-api/2.0/mlflow-artifacts/artifacts" })
        {
            data.Add("GET", prefix + "?path=0/1/artifacts");
            data.Add("GET", prefix + "/0/1/artifacts/model.pt");
            data.Add("PUT", prefix + "/0/1/artifacts/model.pt");
            data.Add("POST", prefix + "/mpu/create/0/1/artifacts/model.pt");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Anonymous_callers_get_unauthenticated_in_mlflow_shape(string method, string path)
    {
        var anonymous = new MlflowWire(lab.Portal.BaseAddress, null);
        static Task<(HttpStatusCode, JsonElement)> Send(MlflowWire client, string method, string path) => method switch
        {
            "GET" => client.GetAsync(path),
            "PUT" => client.PutAsync(path, [1, 2, 3]),
            _ => client.PostAsync(path, "{}"),
        };
        AssertError(await Send(anonymous, method, path), HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        AssertError(await Send(Bearer(lab.Portal.BaseAddress, "ll_nope_nope"), method, path), HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
    }

    [Fact]
    public async Task Basic_auth_takes_a_token_as_password_and_only_on_mlflow_paths()
    {
        var basic = Basic(lab.Portal.BaseAddress, "alice", lab.AliceTokenText);
        var experiment = AssertOk(await basic.GetAsync("/api/2.0/mlflow/experiments/get?experiment_id=0")).GetProperty("experiment");
        Assert.Equal("Default", experiment.GetProperty("name").GetString());
        AssertOk(await basic.PostAsync("/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"0\"}"));
        AssertError(await Basic(lab.Portal.BaseAddress, "alice", "wrong").GetAsync("/api/2.0/mlflow/experiments/get?experiment_id=0"),
            HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        // Elsewhere basic auth is not a way in.
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(lab.Portal.BaseAddress, "/api/runs"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"alice:{lab.AliceTokenText}")));
        using var response = await lab.Portal.Anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Read_tokens_cannot_write_and_nobody_writes_someone_elses_run()
    {
        var reader = Bearer(lab.Portal.BaseAddress, lab.AliceReadOnly.DefaultRequestHeaders.Authorization!.Parameter!);
        AssertError(await reader.PostAsync("/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"0\"}"), HttpStatusCode.Forbidden, "PERMISSION_DENIED");
        AssertError(await reader.PostAsync("/api/2.0/mlflow/experiments/create", "{\"name\": \"by a reader\"}"), HttpStatusCode.Forbidden, "PERMISSION_DENIED");

        var alice = Bearer(lab.Portal.BaseAddress, lab.AliceTokenText);
        var runId = await CreateRunAsync(alice, "0");
        AssertOk(await reader.GetAsync($"/api/2.0/mlflow/runs/get?run_id={runId}")); // reading is for everyone signed in
        var bob = Bearer(lab.Portal.BaseAddress, lab.Bob.DefaultRequestHeaders.Authorization!.Parameter!);
        foreach (var (path, body) in new[]
        {
            ("runs/log-metric", $"{{\"run_id\": \"{runId}\", \"key\": \"loss\", \"value\": 1.0, \"timestamp\": 1764972001000, \"step\": 0}}"),
            ("runs/log-batch", $"{{\"run_id\": \"{runId}\", \"metrics\": [{{\"key\": \"loss\", \"value\": 1.0, \"timestamp\": 1764972001000, \"step\": 0}}]}}"),
            ("runs/log-parameter", $"{{\"run_id\": \"{runId}\", \"key\": \"lr\", \"value\": \"1\"}}"),
            ("runs/set-tag", $"{{\"run_id\": \"{runId}\", \"key\": \"t\", \"value\": \"1\"}}"),
            ("runs/update", $"{{\"run_id\": \"{runId}\", \"status\": \"KILLED\"}}"),
            ("runs/delete", $"{{\"run_id\": \"{runId}\"}}"),
        })
        {
            AssertError(await bob.PostAsync("/api/2.0/mlflow/" + path, body), HttpStatusCode.Forbidden, "PERMISSION_DENIED");
        }
        Assert.Equal(0, await lab.Db.ScalarAsync($"SELECT COUNT(*) FROM MetricPoints WHERE RunId = {runId}"));
        var experimentId = AssertOk(await alice.PostAsync("/api/2.0/mlflow/experiments/create", "{\"name\": \"alice only\"}")).GetProperty("experiment_id").GetString();
        AssertError(await bob.PostAsync("/api/2.0/mlflow/experiments/delete", $"{{\"experiment_id\": \"{experimentId}\"}}"), HttpStatusCode.Forbidden, "PERMISSION_DENIED");
        // The admin may.
        var admin = Bearer(lab.Portal.BaseAddress, lab.AdminToken.DefaultRequestHeaders.Authorization!.Parameter!);
        AssertOk(await admin.PostAsync("/api/2.0/mlflow/runs/set-tag", $"{{\"run_id\": \"{runId}\", \"key\": \"checked\", \"value\": \"yes\"}}"));
    }

    [Fact]
    public async Task Mlflow_errors_have_mlflow_codes()
    {
        var alice = Bearer(lab.Portal.BaseAddress, lab.AliceTokenText);
        AssertOk(await alice.PostAsync("/api/2.0/mlflow/experiments/create", "{\"name\": \"twice\"}"));
        AssertError(await alice.PostAsync("/api/2.0/mlflow/experiments/create", "{\"name\": \"twice\"}"), HttpStatusCode.BadRequest, "RESOURCE_ALREADY_EXISTS");
        AssertError(await alice.GetAsync("/api/2.0/mlflow/runs/get?run_id=999999"), HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST");
        AssertError(await alice.GetAsync("/api/2.0/mlflow/runs/get?run_id=abc"), HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST");
        AssertError(await alice.GetAsync("/api/2.0/mlflow/experiments/get?experiment_id=424242"), HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST");
        AssertError(await alice.PostAsync("/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"424242\"}"), HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST");
        AssertError(await alice.PostAsync("/api/2.0/mlflow/registered-models/create", "{\"name\": \"m\"}"), HttpStatusCode.NotFound, "ENDPOINT_NOT_FOUND");
        AssertError(await alice.PostAsync("/api/2.0/mlflow/runs/log-batch", "{\"run_id\": "), HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
        AssertError(await alice.PostAsync("/api/2.0/mlflow/runs/search", "{\"experiment_ids\": [\"0\"], \"filter\": \"metrics.loss LIKE 'x'\"}"),
            HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
        AssertError(await alice.PostAsync("/api/2.0/mlflow/runs/search", "{\"experiment_ids\": [\"0\"], \"max_results\": 50001}"),
            HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
        var runId = await CreateRunAsync(alice, "0");
        AssertError(await alice.PostAsync("/api/2.0/mlflow/runs/log-metric", $"{{\"run_id\": \"{runId}\", \"key\": \"loss\", \"value\": 1.0, \"timestamp\": 1764972001, \"step\": 0}}"),
            HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE"); // seconds, not milliseconds
        AssertError(await alice.PostAsync("/api/2.0/mlflow/runs/delete-tag", $"{{\"run_id\": \"{runId}\", \"key\": \"never-set\"}}"),
            HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST");
        AssertError(await alice.PostAsync("/api/2.0/mlflow/experiments/delete", "{\"experiment_id\": \"0\"}"), HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
    }

    [Fact]
    public async Task Search_filters_orders_and_pages_runs()
    {
        var alice = Bearer(lab.Portal.BaseAddress, lab.AliceTokenText);
        var experiment = AssertOk(await alice.PostAsync("/api/2.0/mlflow/experiments/create", "{\"name\": \"search me\"}")).GetProperty("experiment_id").GetString()!;
        var ids = new List<string>();
        foreach (var (lr, loss, source) in new[] { ("0.1", 0.9, "Train.py"), ("0.01", 0.5, "train.py"), ("0.001", 0.7, "eval.py") })
        {
            var id = await CreateRunAsync(alice, experiment, source);
            ids.Add(id);
            AssertOk(await alice.PostAsync("/api/2.0/mlflow/runs/log-batch",
                $"{{\"run_id\": \"{id}\", \"metrics\": [{{\"key\": \"loss\", \"value\": {loss}, \"timestamp\": 1764972001000, \"step\": 3}}], \"params\": [{{\"key\": \"lr\", \"value\": \"{lr}\"}}]}}"));
        }
        AssertOk(await alice.PostAsync("/api/2.0/mlflow/runs/update", $"{{\"run_id\": \"{ids[0]}\", \"status\": \"FAILED\"}}"));

        async Task<List<string>> Search(string filter, string orderBy = "", int max = 100)
        {
            var order = orderBy.Length == 0 ? "" : $", \"order_by\": [\"{orderBy}\"]";
            var body = AssertOk(await alice.PostAsync("/api/2.0/mlflow/runs/search",
                $"{{\"experiment_ids\": [\"{experiment}\"], \"filter\": {JsonSerializer.Serialize(filter)}, \"max_results\": {max}{order}}}"));
            return body.TryGetProperty("runs", out var runs) ? runs.EnumerateArray().Select(r => r.GetProperty("info").GetProperty("run_id").GetString()!).ToList() : [];
        }

        Assert.Equal([ids[1], ids[2]], await Search("metrics.loss < 0.8", "metrics.loss ASC"));
        Assert.Equal([ids[0], ids[2], ids[1]], await Search("", "metrics.loss DESC"));
        Assert.Equal([ids[1]], await Search("params.lr = '0.01'"));
        Assert.Equal([ids[1]], await Search("tags.`mlflow.source.name` LIKE 'train%'"));
        Assert.Equal([ids[0], ids[1]], await Search("tags.`mlflow.source.name` ILIKE 'train%'", "params.lr DESC"));
        Assert.Equal([ids[0]], await Search("attributes.status = 'FAILED'"));
        Assert.Equal([ids[1], ids[2]], await Search("attributes.status IN ('RUNNING') AND params.lr != '0.1'", "metrics.loss ASC"));
        Assert.Equal([ids[2]], await Search($"attributes.run_id IN ('{ids[2]}') AND metrics.loss >= 0.7"));

        // Paging: two, then the rest through the token.
        var first = AssertOk(await alice.PostAsync("/api/2.0/mlflow/runs/search",
            $"{{\"experiment_ids\": [\"{experiment}\"], \"max_results\": 2, \"order_by\": [\"metrics.loss ASC\"]}}"));
        Assert.Equal([ids[1], ids[2]], first.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("info").GetProperty("run_id").GetString()));
        var token = first.GetProperty("next_page_token").GetString();
        var second = AssertOk(await alice.PostAsync("/api/2.0/mlflow/runs/search",
            $"{{\"experiment_ids\": [\"{experiment}\"], \"max_results\": 2, \"order_by\": [\"metrics.loss ASC\"], \"page_token\": \"{token}\"}}"));
        Assert.Equal([ids[0]], second.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("info").GetProperty("run_id").GetString()));
        Assert.False(second.TryGetProperty("next_page_token", out _));

        // Soft delete: hidden from the default view, found with DELETED_ONLY, refuses logging, restorable.
        AssertOk(await alice.PostAsync("/api/2.0/mlflow/runs/delete", $"{{\"run_id\": \"{ids[2]}\"}}"));
        Assert.DoesNotContain(ids[2], await Search(""));
        var deleted = AssertOk(await alice.PostAsync("/api/2.0/mlflow/runs/search", $"{{\"experiment_ids\": [\"{experiment}\"], \"run_view_type\": \"DELETED_ONLY\"}}"));
        Assert.Equal(ids[2], Assert.Single(deleted.GetProperty("runs").EnumerateArray()).GetProperty("info").GetProperty("run_id").GetString());
        AssertError(await alice.PostAsync("/api/2.0/mlflow/runs/log-metric", $"{{\"run_id\": \"{ids[2]}\", \"key\": \"loss\", \"value\": 1.0, \"timestamp\": 1764972001000, \"step\": 9}}"),
            HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
        AssertOk(await alice.PostAsync("/api/2.0/mlflow/runs/restore", $"{{\"run_id\": \"{ids[2]}\"}}"));
        Assert.Contains(ids[2], await Search(""));

        // Experiments search by name (the ajax-api alias answers the same).
        var experiments = AssertOk(await alice.PostAsync("/ajax-api/2.0/mlflow/experiments/search", "{\"max_results\": 10, \"filter\": \"name LIKE 'search%'\"}"));
        Assert.Equal("search me", Assert.Single(experiments.GetProperty("experiments").EnumerateArray()).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Metrics_logged_through_mlflow_stream_live_and_rename_and_tags_follow()
    {
        var alice = Bearer(lab.Portal.BaseAddress, lab.AliceTokenText);
        var runId = await CreateRunAsync(alice, "0");
        var pushed = new List<LivePoint>();
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(lab.Portal.BaseAddress, "/hubs/runs"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(lab.AliceTokenText))
            .Build();
        hub.On<LiveBatch>("MetricsAppended", m => { lock (pushed) pushed.AddRange(m.Points); });
        await hub.StartAsync();
        await hub.InvokeAsync("JoinRun", long.Parse(runId, System.Globalization.CultureInfo.InvariantCulture));
        AssertOk(await alice.PostAsync("/api/2.0/mlflow/runs/log-batch",
            $"{{\"run_id\": \"{runId}\", \"metrics\": [{{\"key\": \"loss\", \"value\": 1.0, \"timestamp\": 1764972001000, \"step\": 0}}, {{\"key\": \"loss\", \"value\": 0.5, \"timestamp\": 1764972002000, \"step\": 1}}]}}"));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(10) && pushed.Count < 2) await Task.Delay(50);
        lock (pushed) Assert.Equal([new LivePoint("loss", 0, 1.0), new LivePoint("loss", 1, 0.5)], pushed);

        AssertOk(await alice.PostAsync("/api/2.0/mlflow/runs/update", $"{{\"run_id\": \"{runId}\", \"run_name\": \"renamed\"}}"));
        AssertOk(await alice.PostAsync("/api/2.0/mlflow/runs/set-tag", $"{{\"run_id\": \"{runId}\", \"key\": \"stage\", \"value\": \"warmup\"}}"));
        AssertOk(await alice.PostAsync("/api/2.0/mlflow/runs/delete-tag", $"{{\"run_id\": \"{runId}\", \"key\": \"stage\"}}"));
        var run = AssertOk(await alice.GetAsync($"/ajax-api/2.0/mlflow/runs/get?run_id={runId}")).GetProperty("run");
        Assert.Equal("renamed", run.GetProperty("info").GetProperty("run_name").GetString());
        Assert.Equal("renamed", MlflowPythonClientContractTests.Tag(run, "mlflow.runName"));
        Assert.Null(MlflowPythonClientContractTests.Tag(run, "stage"));
        Assert.Equal("renamed", (await lab.Alice.GetJsonAsync($"/api/runs/{runId}")).GetProperty("name").GetString());
        // Killed: the LayerLab run is Cancelled, once.
        AssertOk(await alice.PostAsync("/api/2.0/mlflow/runs/update", $"{{\"run_id\": \"{runId}\", \"status\": \"KILLED\"}}"));
        Assert.Equal("Cancelled", (await lab.Alice.GetJsonAsync($"/api/runs/{runId}")).GetProperty("status").GetString());
        // Its end reaches the "run finished" subscribers as any run's does: the owner's bell rings once.
        var notes = (await lab.Alice.GetJsonAsync("/api/notifications")).GetProperty("items").EnumerateArray()
            .Where(n => n.GetProperty("link").GetString() == $"/runs/{runId}").ToList();
        Assert.Equal($"Run #{runId} (renamed) was cancelled", Assert.Single(notes).GetProperty("text").GetString());
        AssertError(await alice.PostAsync("/api/2.0/mlflow/runs/update", $"{{\"run_id\": \"{runId}\", \"status\": \"RUNNING\"}}"),
            HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
    }

    [Fact]
    public async Task Artifacts_go_through_mlflows_proxy_paths_onto_layerlab_artifacts_and_cannot_escape()
    {
        var alice = Bearer(lab.Portal.BaseAddress, lab.AliceTokenText);
        var runId = await CreateRunAsync(alice, "0");
        var root = $"/api/2.0/mlflow-artifacts/artifacts/0/{runId}/artifacts";
        var uri = AssertOk(await alice.GetAsync($"/api/2.0/mlflow/runs/get?run_id={runId}")).GetProperty("run").GetProperty("info").GetProperty("artifact_uri").GetString();
        Assert.Equal($"mlflow-artifacts:/0/{runId}/artifacts", uri);
        var weights = Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray();
        AssertOk(await alice.PutAsync($"{root}/model/weights.bin", weights));
        AssertOk(await alice.PutAsync($"{root}/config.json", "{\"lr\": 0.1}"u8.ToArray()));
        AssertOk(await alice.PutAsync($"{root}/config.json", "{\"lr\": 0.2}"u8.ToArray())); // replaces

        var top = AssertOk(await alice.GetAsync($"/api/2.0/mlflow-artifacts/artifacts?path=0/{runId}/artifacts")).GetProperty("files");
        Assert.Equal(["config.json", "model"], top.EnumerateArray().Select(f => f.GetProperty("path").GetString()));
        Assert.True(top[1].GetProperty("is_dir").GetBoolean());
        var inner = Assert.Single(AssertOk(await alice.GetAsync($"/api/2.0/mlflow-artifacts/artifacts?path=0/{runId}/artifacts/model")).GetProperty("files").EnumerateArray());
        Assert.Equal(("weights.bin", false, 3000L), (inner.GetProperty("path").GetString(), inner.GetProperty("is_dir").GetBoolean(), inner.GetProperty("file_size").GetInt64()));

        using (var download = await alice.GetRawAsync($"{root}/model/weights.bin"))
        {
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal(weights, await download.Content.ReadAsByteArrayAsync());
            Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        }
        using (var config = await alice.GetRawAsync($"{root}/config.json"))
            Assert.Equal("{\"lr\": 0.2}", await config.Content.ReadAsStringAsync());
        // The same files are the run's LayerLab artifacts.
        var listed = await lab.Alice.GetJsonAsync($"/api/runs/{runId}/artifacts");
        Assert.Equal(["model/weights.bin", "config.json"], listed.EnumerateArray().Select(a => a.GetProperty("name").GetString()));

        foreach (var bad in new[] { "%2E%2E/%2E%2E/escape.txt", "..%2Fescape.txt", "a/%252e%252e/x", "x%3Ay", "a//b" })
            AssertError(await alice.PutAsync($"{root}/{bad}", [1]), HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
        AssertError(await alice.PutAsync($"/api/2.0/mlflow-artifacts/artifacts/0/{runId}/elsewhere/x.txt", [1]), HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
        Assert.False(Directory.EnumerateFiles(lab.ArtifactsFolder, "escape.txt", SearchOption.AllDirectories).Any());
        var bob = Bearer(lab.Portal.BaseAddress, lab.Bob.DefaultRequestHeaders.Authorization!.Parameter!);
        AssertError(await bob.PutAsync($"{root}/bob.txt", [1]), HttpStatusCode.Forbidden, "PERMISSION_DENIED");
        AssertError(await new MlflowWire(lab.Portal.BaseAddress, null).PutAsync($"{root}/anon.txt", [1]), HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        using var anonymous = await new MlflowWire(lab.Portal.BaseAddress, null).GetRawAsync($"{root}/config.json");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        AssertError(await alice.GetAsync($"/api/2.0/mlflow-artifacts/artifacts/0/{runId}/artifacts/missing.txt"), HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST");
    }

    private static async Task<string> CreateRunAsync(MlflowWire client, string experimentId, string source = "train.py")
    {
        var run = AssertOk(await client.PostAsync("/api/2.0/mlflow/runs/create",
            $"{{\"experiment_id\": \"{experimentId}\", \"user_id\": \"alice\", \"start_time\": 1764972000000, \"tags\": [{{\"key\": \"mlflow.source.name\", \"value\": \"{source}\"}}]}}"));
        return run.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;
    }
}
