using System.Diagnostics;
using System.Text.Json;
using LayerLab.Tests.EndToEnd.ExternalRuns;
using LayerLab.Tests.EndToEnd.Infrastructure;

namespace LayerLab.Tests.EndToEnd.Mlflow;

/// <summary>
/// An MLflow client the project did not write, end to end: npm's "mlflow" package (2.0.7; a dev dependency in
/// package.json, installed by scripts/install-web-assets.sh) runs mlflow-js-client.js under Node against the real portal.
/// (MLflow's own Python client is not installable here: no PyPI. Debian packages no MLflow client.)
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class MlflowJsClientTests(ExternalRunsPortal lab) : IClassFixture<ExternalRunsPortal>
{
    [Fact]
    public async Task The_npm_mlflow_client_logs_a_run_that_layerlab_stores_and_serves_back()
    {
        var module = Path.Combine(RepoPaths.Root, "node_modules", "mlflow", "package.json");
        Assert.True(File.Exists(module), $"{module} is missing: run scripts/install-web-assets.sh (npm ci) first.");
        var script = Path.Combine(RepoPaths.Root, "tests", "EndToEnd", "Mlflow", "mlflow-js-client.js");
        var info = new ProcessStartInfo("node", [script])
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["MLFLOW_TRACKING_URI"] = lab.Portal.BaseAddress.ToString().TrimEnd('/');
        info.Environment["MLFLOW_TRACKING_TOKEN"] = lab.AliceTokenText;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"node exited {process.ExitCode}: {await stderr}\n{output}");

        var line = output.Split('\n').Single(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        var result = JsonDocument.Parse(line["RESULT ".Length..]).RootElement;
        var runId = result.GetProperty("runId").GetString()!;
        Assert.StartsWith("js-client-", result.GetProperty("experimentName").GetString(), StringComparison.Ordinal);
        Assert.Equal("FINISHED", result.GetProperty("status").GetString());
        Assert.Equal([runId], result.GetProperty("searchIds").EnumerateArray().Select(i => i.GetString()));
        Assert.Equal(Enumerable.Range(0, 10).Select(s => (long)s), result.GetProperty("history").EnumerateArray().Select(p => p[0].GetInt64()));
        Assert.Equal(0.1, result.GetProperty("history")[9][1].GetDouble(), 12);
        Assert.Equal("lr", Assert.Single(result.GetProperty("params").EnumerateArray()).GetProperty("key").GetString());
        Assert.Equal(404, result.GetProperty("missing").GetProperty("status").GetInt32());
        Assert.Equal("RESOURCE_DOES_NOT_EXIST", result.GetProperty("missing").GetProperty("data").GetProperty("error_code").GetString());

        var id = long.Parse(runId, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(11, await lab.Db.ScalarAsync($"SELECT COUNT(*) FROM MetricPoints WHERE RunId = {id}"));
        var run = await lab.Alice.GetJsonAsync($"/api/runs/{id}");
        Assert.Equal("Succeeded", run.GetProperty("status").GetString());
        Assert.Equal("External", run.GetProperty("source").GetString());
    }
}
