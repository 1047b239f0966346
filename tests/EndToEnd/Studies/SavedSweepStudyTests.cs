using System.Diagnostics;
using System.Net;
using System.Text.Json;
using LayerLab.Tests.EndToEnd.Infrastructure;

namespace LayerLab.Tests.EndToEnd.Studies;

/// <summary>Any sweep saved as a study with the user's own figure (issue #15), over HTTP against one real portal:
/// refusals per field that store nothing, a figure whose means and intervals are the runs' own values, no verdict,
/// no re-run, roles.</summary>
[Collection(PortalCollection.Name)]
public sealed class SavedSweepStudyTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    private HttpClient Http => fixture.Portal.Http;

    private Task<long> StudyCountAsync() => fixture.Database.ScalarAsync("SELECT COUNT(*) FROM Studies");

    /// <summary>xor-prelu over init_scale 0.5, 1, 2 × input coding × 2 seeds: 12 tiny runs.</summary>
    private async Task<long> FinishedSweepAsync()
    {
        var (status, created) = await Http.PostJsonAsync("/api/sweeps", new
        {
            experiment = "xor-prelu",
            name = "init scale",
            parameters = new { trials = 5, lr_points = 3, epochs = 30 },
            sweep = new Dictionary<string, object>
            {
                ["init_scale"] = new { mode = "list", values = new[] { 0.5, 1, 2 } },
                ["input_coding"] = new { mode = "list", values = new[] { "01", "pm1" } },
            },
            seeds = 2,
        });
        Assert.True(status == HttpStatusCode.Created, created.ToString());
        var id = created.GetProperty("sweep").GetProperty("id").GetInt64();
        var watch = Stopwatch.StartNew();
        while ((await Http.GetJsonAsync($"/api/sweeps/{id}")).GetProperty("sweep").GetProperty("progress").GetProperty("status").GetString() != "Succeeded")
        {
            Assert.True(watch.Elapsed < TimeSpan.FromMinutes(3), $"sweep {id} did not finish\n{fixture.Portal.Log}");
            await Task.Delay(200);
        }
        return id;
    }

    [Fact]
    public async Task A_finished_sweep_saved_as_a_study_draws_the_runs_own_means_per_series_and_gives_no_verdict()
    {
        var sweep = await FinishedSweepAsync();

        // Bad figures: 400 naming each field, nothing stored.
        var before = await StudyCountAsync();
        foreach (var (body, field) in new (object Body, string Field)[]
        {
            (new { title = "", x = "init_scale", y = "success/prelu" }, "title"),
            (new { title = "t", x = "input_coding", y = "success/prelu" }, "x"),   // not numeric
            (new { title = "t", x = "epochs", y = "success/prelu" }, "x"),         // not swept
            (new { title = "t", x = "init_scale", y = "nope" }, "y"),
            (new { title = "t", x = "init_scale", y = "success/prelu", series = "init_scale" }, "series"),
            (new { title = "t", x = "init_scale", y = "success/prelu", series = "trials" }, "series"),
            (new { title = "t", x = "init_scale", y = "success/prelu", note = new string('n', 1001) }, "note"),
        })
        {
            var (status, problem) = await Http.PostJsonAsync($"/api/sweeps/{sweep}/study", body);
            Assert.True(status == HttpStatusCode.BadRequest, $"{field}: {status} {problem}");
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error on {field}: {problem}");
        }
        Assert.Equal(HttpStatusCode.NotFound, (await Http.PostJsonAsync("/api/sweeps/999999/study", new { title = "t", x = "init_scale", y = "success/prelu" })).Status);
        Assert.Equal(before, await StudyCountAsync());

        var (created, study) = await Http.PostJsonAsync($"/api/sweeps/{sweep}/study",
            new { title = "PReLU success vs init scale", x = "init_scale", y = "success/prelu", series = "input_coding", logX = true, note = "Does a larger init help?" });
        Assert.True(created == HttpStatusCode.Created, study.ToString());
        Assert.Equal(before + 1, await StudyCountAsync());
        // Nothing queued: the sweep's runs are the study's runs.
        Assert.Equal(12, await fixture.Database.ScalarAsync($"SELECT COUNT(*) FROM Runs WHERE SweepId = {sweep}"));
        Assert.Equal(("saved-sweep", "Finished", false), (study.GetProperty("study").GetString(), study.GetProperty("status").GetString(), study.GetProperty("hasVerdict").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, study.GetProperty("verdict").ValueKind);
        Assert.Equal("Does a larger init help?", study.GetProperty("claim").GetString());

        // The figure: one series per coding, x = init scale, each point the mean of the two seeds' own summaries.
        var figure = study.GetProperty("figure");
        Assert.Equal(("init_scale", "success/prelu", true), (figure.GetProperty("x").GetString(), figure.GetProperty("y").GetString(), figure.GetProperty("logX").GetBoolean()));
        var series = figure.GetProperty("series").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        Assert.Equal(["input_coding = 01", "input_coding = pm1"], series.Keys.Order());
        var runIds = (await Http.GetJsonAsync($"/api/sweeps/{sweep}")).GetProperty("configurations").EnumerateArray()
            .SelectMany(c => c.GetProperty("runIds").EnumerateArray().Select(r => r.GetInt64())).ToList();
        Assert.Equal(12, runIds.Count);
        var runs = new List<JsonElement>();
        foreach (var runId in runIds) runs.Add(await Http.GetJsonAsync($"/api/runs/{runId}"));
        foreach (var coding in new[] { "01", "pm1" })
        {
            var points = series[$"input_coding = {coding}"].GetProperty("points").EnumerateArray().ToList();
            Assert.Equal([0.5, 1, 2], points.Select(p => p.GetProperty("x").GetDouble()));
            foreach (var p in points)
            {
                var values = new List<double>();
                foreach (var detail in runs)
                {
                    var parameters = detail.GetProperty("parameters");
                    if (parameters.GetProperty("input_coding").GetString() == coding
                        && parameters.GetProperty("init_scale").GetDouble().Equals(p.GetProperty("x").GetDouble()))
                        values.Add(detail.GetProperty("summary").GetProperty("success/prelu").GetDouble());
                }
                Assert.Equal(2, values.Count);
                Assert.Equal(2, p.GetProperty("n").GetInt32());
                Assert.Equal(values.Average(), p.GetProperty("mean").GetDouble(), 12);
            }
        }
        // The configuration table lists the swept parameters, and the SVG draws the chosen axes.
        Assert.Equal(6, study.GetProperty("configurations").GetArrayLength());
        var svg = await Http.GetStringAsync(new Uri($"/api/studies/{study.GetProperty("id").GetInt64()}/figure.svg", UriKind.Relative));
        Assert.Contains("input_coding = pm1", svg, StringComparison.Ordinal);

        // No declared definition to repeat: a re-run is refused, naming the sweep.
        var (rerun, refusal) = await Http.PostJsonAsync($"/api/studies/{study.GetProperty("id").GetInt64()}/rerun", new { });
        Assert.Equal(HttpStatusCode.BadRequest, rerun);
        Assert.Contains($"sweep #{sweep}", refusal.GetProperty("errors").GetProperty("study")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Viewers_cannot_save_a_sweep_as_a_study_and_a_log_axis_needs_positive_values()
    {
        const string password = "user-password-1";
        await Http.CreateUserAsync("saved-viewer@lab.test", password, "Viewer");
        var viewer = await fixture.Portal.SignInAsync("saved-viewer@lab.test", password);
        // icl-linreg's label noise may be 0: no log axis over it. The sweep is cancelled at the end (only its shape matters).
        var (status, created) = await Http.PostJsonAsync("/api/sweeps", new
        {
            experiment = "icl-linreg",
            sweep = new Dictionary<string, object> { ["noise"] = new { mode = "list", values = new[] { 0, 0.1 } } },
            seeds = 1,
        });
        Assert.True(status == HttpStatusCode.Created, created.ToString());
        var sweep = created.GetProperty("sweep").GetProperty("id").GetInt64();
        var before = await StudyCountAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostJsonAsync($"/api/sweeps/{sweep}/study", new { title = "t", x = "noise", y = "test_loss" })).Status);
        var (logStatus, problem) = await Http.PostJsonAsync($"/api/sweeps/{sweep}/study", new { title = "t", x = "noise", y = "test_loss", logX = true });
        Assert.Equal(HttpStatusCode.BadRequest, logStatus);
        Assert.Contains("above 0", problem.GetProperty("errors").GetProperty("logX")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await StudyCountAsync());
        // A linear axis is fine, even while the sweep's runs are still queued (its declared metrics are offered).
        var (linear, saved) = await Http.PostJsonAsync($"/api/sweeps/{sweep}/study", new { title = "t", x = "noise", y = "test_loss" });
        Assert.True(linear == HttpStatusCode.Created, saved.ToString());
        await Http.PostJsonAsync($"/api/sweeps/{sweep}/cancel", new { });
    }
}
