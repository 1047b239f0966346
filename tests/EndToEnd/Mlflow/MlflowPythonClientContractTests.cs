using System.Net;
using System.Text.Json;
using LayerLab.Tests.EndToEnd.ExternalRuns;
using LayerLab.Tests.EndToEnd.Infrastructure;
using static LayerLab.Tests.EndToEnd.Mlflow.MlflowWire;

namespace LayerLab.Tests.EndToEnd.Mlflow;

/// <summary>
/// Replays, byte for byte, the requests MLflow's Python client sends for a typical training script, against the real
/// portal process. Built from MLflow's source at commit 001cc178a1442b488da41853c497adc5285a284d (the 2.14 line, with
/// traces; mlflow/store/tracking/rest_store.py, mlflow/utils/rest_utils.py, mlflow/utils/proto_json_utils.py) and
/// mlflow/protos/service.proto:
/// - bodies are <c>message_to_json(Request(...))</c>: protobuf's JSON with the proto field names, fields in field-number
///   order, int64 as JSON numbers (<c>_mark_int64_fields</c>), doubles' NaN as the string "NaN", empty lists left out;
///   then <c>requests.post(json=json.loads(body))</c> re-serializes with Python's default separators (", ", ": ").
/// - GET calls (get-by-name, get, get-history) send the same fields as query parameters.
/// A real Python client cannot be installed here (no PyPI); MlflowJsClientTests runs npm's MLflow client instead.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class MlflowPythonClientContractTests(ExternalRunsPortal lab) : IClassFixture<ExternalRunsPortal>
{
    private MlflowWire Client => Bearer(lab.Portal.BaseAddress, lab.AliceTokenText);

    [Fact]
    public async Task A_training_script_logged_through_mlflow_lands_as_an_external_run()
    {
        var client = Client;
        // mlflow.set_experiment("contract mnist"): get_experiment_by_name → RESOURCE_DOES_NOT_EXIST → create → get.
        AssertError(await client.GetAsync("/api/2.0/mlflow/experiments/get-by-name?experiment_name=contract+mnist"),
            HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST");
        var created = AssertOk(await client.PostAsync("/api/2.0/mlflow/experiments/create", "{\"name\": \"contract mnist\"}"));
        var experimentId = created.GetProperty("experiment_id").GetString()!;
        var experiment = AssertOk(await client.GetAsync($"/api/2.0/mlflow/experiments/get?experiment_id={experimentId}")).GetProperty("experiment");
        Assert.Equal("contract mnist", experiment.GetProperty("name").GetString());
        Assert.Equal("active", experiment.GetProperty("lifecycle_stage").GetString());
        Assert.Equal(experimentId, AssertOk(await client.GetAsync("/api/2.0/mlflow/experiments/get-by-name?experiment_name=contract+mnist"))
            .GetProperty("experiment").GetProperty("experiment_id").GetString());

        // mlflow.start_run(run_name="baseline"): CreateRun with the context tags (user, source name and type).
        var run = AssertOk(await client.PostAsync("/api/2.0/mlflow/runs/create",
            $"{{\"experiment_id\": \"{experimentId}\", \"user_id\": \"alice\", \"start_time\": 1764972000000, \"tags\": [{{\"key\": \"mlflow.user\", \"value\": \"alice\"}}, {{\"key\": \"mlflow.source.name\", \"value\": \"/home/alice/train.py\"}}, {{\"key\": \"mlflow.source.type\", \"value\": \"LOCAL\"}}], \"run_name\": \"baseline\"}}"))
            .GetProperty("run");
        var info = run.GetProperty("info");
        var runId = info.GetProperty("run_id").GetString()!;
        Assert.Equal(runId, info.GetProperty("run_uuid").GetString());
        Assert.Equal("RUNNING", info.GetProperty("status").GetString());
        Assert.Equal("baseline", info.GetProperty("run_name").GetString());
        Assert.Equal(experimentId, info.GetProperty("experiment_id").GetString());
        Assert.Equal(1764972000000, info.GetProperty("start_time").GetInt64());
        Assert.Equal("active", info.GetProperty("lifecycle_stage").GetString());
        Assert.Equal("baseline", Tag(run, "mlflow.runName"));

        // mlflow.log_params({"lr": 0.01, "batch_size": 64}) → LogBatch with params only (MLflow stringifies values).
        AssertEmpty(await client.PostAsync("/api/2.0/mlflow/runs/log-batch",
            $"{{\"run_id\": \"{runId}\", \"params\": [{{\"key\": \"lr\", \"value\": \"0.01\"}}, {{\"key\": \"batch_size\", \"value\": \"64\"}}]}}"));
        // mlflow.log_metric("loss", 2.5, step=0) → LogMetric (run_uuid first, run_id last: field numbers 1 and 6).
        AssertEmpty(await client.PostAsync("/api/2.0/mlflow/runs/log-metric",
            $"{{\"run_uuid\": \"{runId}\", \"key\": \"loss\", \"value\": 2.5, \"timestamp\": 1764972001000, \"step\": 0, \"run_id\": \"{runId}\"}}"));
        // mlflow.log_metrics({...}, step=1) → LogBatch with metrics only; a NaN goes as the string "NaN".
        AssertEmpty(await client.PostAsync("/api/2.0/mlflow/runs/log-batch",
            $"{{\"run_id\": \"{runId}\", \"metrics\": [{{\"key\": \"loss\", \"value\": 1.25, \"timestamp\": 1764972002000, \"step\": 1}}, {{\"key\": \"acc\", \"value\": 0.5, \"timestamp\": 1764972002000, \"step\": 1}}, {{\"key\": \"grad_norm\", \"value\": \"NaN\", \"timestamp\": 1764972002000, \"step\": 1}}]}}"));
        // mlflow.set_tags({"team": "vision"}) → LogBatch with tags only.
        AssertEmpty(await client.PostAsync("/api/2.0/mlflow/runs/log-batch",
            $"{{\"run_id\": \"{runId}\", \"tags\": [{{\"key\": \"team\", \"value\": \"vision\"}}]}}"));
        // mlflow.end_run() → UpdateRun(status=FINISHED, end_time=now).
        var ended = AssertOk(await client.PostAsync("/api/2.0/mlflow/runs/update",
            $"{{\"run_uuid\": \"{runId}\", \"status\": \"FINISHED\", \"end_time\": 1764972009000, \"run_id\": \"{runId}\"}}")).GetProperty("run_info");
        Assert.Equal("FINISHED", ended.GetProperty("status").GetString());
        Assert.Equal(1764972009000, ended.GetProperty("end_time").GetInt64());

        // mlflow.search_runs(["E"], "metrics.loss < 2 and params.lr = '0.01'", order_by=["metrics.loss ASC"]):
        // pandas search pages by 10,000 runs (NUM_RUNS_PER_PAGE_PANDAS).
        var search = AssertOk(await client.PostAsync("/api/2.0/mlflow/runs/search",
            $"{{\"experiment_ids\": [\"{experimentId}\"], \"run_view_type\": \"ACTIVE_ONLY\", \"filter\": \"metrics.loss < 2 and params.lr = '0.01'\", \"max_results\": 10000, \"order_by\": [\"metrics.loss ASC\"]}}"));
        var found = Assert.Single(search.GetProperty("runs").EnumerateArray());
        Assert.False(search.TryGetProperty("next_page_token", out _));
        Assert.Equal(runId, found.GetProperty("info").GetProperty("run_id").GetString());
        var latest = found.GetProperty("data").GetProperty("metrics").EnumerateArray().ToDictionary(m => m.GetProperty("key").GetString()!);
        Assert.Equal(1.25, latest["loss"].GetProperty("value").GetDouble());
        Assert.Equal(1, latest["loss"].GetProperty("step").GetInt64());
        Assert.Equal(1764972002000, latest["loss"].GetProperty("timestamp").GetInt64());
        Assert.Equal("NaN", latest["grad_norm"].GetProperty("value").GetString());
        Assert.Equal("0.01", Param(found, "lr"));
        Assert.Equal("64", Param(found, "batch_size"));
        Assert.Equal("vision", Tag(found, "team"));
        Assert.Equal("/home/alice/train.py", Tag(found, "mlflow.source.name"));

        // mlflow.tracking.MlflowClient().get_metric_history(run_id, "loss"): GET, pages of 25,000.
        var history = AssertOk(await client.GetAsync($"/api/2.0/mlflow/metrics/get-history?run_uuid={runId}&metric_key=loss&run_id={runId}&max_results=25000"));
        var points = history.GetProperty("metrics").EnumerateArray()
            .Select(m => (m.GetProperty("key").GetString(), m.GetProperty("step").GetInt64(), m.GetProperty("value").GetDouble(), m.GetProperty("timestamp").GetInt64()))
            .ToList();
        Assert.Equal([("loss", 0L, 2.5, 1764972001000L), ("loss", 1L, 1.25, 1764972002000L)], points);

        // The same run, through LayerLab: an external run, ended, with its params, metrics (and MLflow's times), and origin.
        var id = long.Parse(runId, System.Globalization.CultureInfo.InvariantCulture);
        var layerlab = await lab.Alice.GetJsonAsync($"/api/runs/{id}");
        Assert.Equal("External", layerlab.GetProperty("source").GetString());
        Assert.Equal("Succeeded", layerlab.GetProperty("status").GetString());
        Assert.Equal("baseline", layerlab.GetProperty("name").GetString());
        Assert.Equal("0.01", layerlab.GetProperty("parameters").GetProperty("lr").GetString());
        Assert.Equal(4, await lab.Db.ScalarAsync($"SELECT COUNT(*) FROM MetricPoints WHERE RunId = {id}"));
        Assert.Equal(1764972001000, await lab.Db.ScalarAsync($"SELECT At FROM MetricPoints WHERE RunId = {id} AND Key = 'loss' AND Step = 0"));
        Assert.Equal(1, await lab.Db.ScalarAsync($"SELECT COUNT(*) FROM Runs WHERE Id = {id} AND Origin = 'MLflow · train.py · alice'"));
    }

    [Fact]
    public async Task Log_batch_over_mlflow_limits_is_invalid_parameter_value_and_stores_nothing()
    {
        var client = Client;
        var runId = await CreateRunAsync(client);
        var metrics = string.Join(", ", Enumerable.Range(0, 1001).Select(i => $"{{\"key\": \"m\", \"value\": 1.0, \"timestamp\": 1764972001000, \"step\": {i}}}"));
        AssertError(await client.PostAsync("/api/2.0/mlflow/runs/log-batch", $"{{\"run_id\": \"{runId}\", \"metrics\": [{metrics}]}}"),
            HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
        var parameters = string.Join(", ", Enumerable.Range(0, 101).Select(i => $"{{\"key\": \"p{i}\", \"value\": \"1\"}}"));
        AssertError(await client.PostAsync("/api/2.0/mlflow/runs/log-batch", $"{{\"run_id\": \"{runId}\", \"params\": [{parameters}]}}"),
            HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
        var tags = string.Join(", ", Enumerable.Range(0, 101).Select(i => $"{{\"key\": \"t{i}\", \"value\": \"1\"}}"));
        AssertError(await client.PostAsync("/api/2.0/mlflow/runs/log-batch", $"{{\"run_id\": \"{runId}\", \"tags\": [{tags}]}}"),
            HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
        // A bad entry anywhere stores nothing from the batch.
        AssertError(await client.PostAsync("/api/2.0/mlflow/runs/log-batch",
            $"{{\"run_id\": \"{runId}\", \"metrics\": [{{\"key\": \"ok\", \"value\": 1.0, \"timestamp\": 1764972001000, \"step\": 0}}, {{\"key\": \"bad key!\", \"value\": 1.0, \"timestamp\": 1764972001000, \"step\": 0}}], \"params\": [{{\"key\": \"p\", \"value\": \"1\"}}]}}"),
            HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
        Assert.Equal(0, await lab.Db.ScalarAsync($"SELECT COUNT(*) FROM MetricPoints WHERE RunId = {runId}"));
        Assert.Equal(1, await lab.Db.ScalarAsync($"SELECT COUNT(*) FROM Runs WHERE Id = {runId} AND ParametersJson = '{{}}'"));
        // Exactly at the limits is fine.
        var full = string.Join(", ", Enumerable.Range(0, 1000).Select(i => $"{{\"key\": \"m\", \"value\": {i}.5, \"timestamp\": 1764972001000, \"step\": {i}}}"));
        AssertEmpty(await client.PostAsync("/api/2.0/mlflow/runs/log-batch", $"{{\"run_id\": \"{runId}\", \"metrics\": [{full}]}}"));
        Assert.Equal(1000, await lab.Db.ScalarAsync($"SELECT COUNT(*) FROM MetricPoints WHERE RunId = {runId}"));
    }

    [Fact]
    public async Task A_param_once_logged_keeps_its_value()
    {
        var client = Client;
        var runId = await CreateRunAsync(client);
        AssertEmpty(await client.PostAsync("/api/2.0/mlflow/runs/log-parameter", $"{{\"run_uuid\": \"{runId}\", \"key\": \"lr\", \"value\": \"0.1\", \"run_id\": \"{runId}\"}}"));
        AssertEmpty(await client.PostAsync("/api/2.0/mlflow/runs/log-parameter", $"{{\"run_uuid\": \"{runId}\", \"key\": \"lr\", \"value\": \"0.1\", \"run_id\": \"{runId}\"}}"));
        AssertError(await client.PostAsync("/api/2.0/mlflow/runs/log-parameter", $"{{\"run_uuid\": \"{runId}\", \"key\": \"lr\", \"value\": \"0.2\", \"run_id\": \"{runId}\"}}"),
            HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
        AssertError(await client.PostAsync("/api/2.0/mlflow/runs/log-batch", $"{{\"run_id\": \"{runId}\", \"params\": [{{\"key\": \"lr\", \"value\": \"0.3\"}}]}}"),
            HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
        var run = AssertOk(await client.GetAsync($"/api/2.0/mlflow/runs/get?run_uuid={runId}&run_id={runId}")).GetProperty("run");
        Assert.Equal("0.1", Param(run, "lr"));
    }

    private static async Task<string> CreateRunAsync(MlflowWire client)
    {
        var run = AssertOk(await client.PostAsync("/api/2.0/mlflow/runs/create",
            "{\"experiment_id\": \"0\", \"user_id\": \"alice\", \"start_time\": 1764972000000, \"tags\": [{\"key\": \"mlflow.user\", \"value\": \"alice\"}]}"));
        return run.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;
    }

    private static void AssertEmpty((HttpStatusCode Status, JsonElement Body) answer) =>
        Assert.Empty(AssertOk(answer).EnumerateObject());

    public static string? Tag(JsonElement run, string key) => Find(run, "tags", key);

    public static string? Param(JsonElement run, string key) => Find(run, "params", key);

    private static string? Find(JsonElement run, string list, string key) =>
        run.GetProperty("data").TryGetProperty(list, out var items)
            ? items.EnumerateArray().FirstOrDefault(t => t.GetProperty("key").GetString() == key) is { ValueKind: JsonValueKind.Object } item
                ? item.GetProperty("value").GetString() : null
            : null;
}
