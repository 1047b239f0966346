using System.Diagnostics;
using System.Net;
using System.Text.Json;
using LayerLab.Tests.EndToEnd.Infrastructure;

namespace LayerLab.Tests.EndToEnd.Studies;

/// <summary>Studies over HTTP against one real portal: the declared list, refusals that store nothing, a small study
/// that trains to a verdict and a figure, CSV, re-run and roles.</summary>
[Collection(PortalCollection.Name)]
public sealed class StudyApiTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    private HttpClient Http => fixture.Portal.Http;

    /// <summary>The xor-prelu study shrunk to seconds: 4 configurations × 3 seeds, 5 trials, 3 learning rates, 60 epochs.</summary>
    private static object SmallXorStudy => new
    {
        experiment = "xor-prelu",
        study = "success-vs-lr",
        overrides = new Dictionary<string, object> { ["trials"] = 5, ["lr_points"] = 3, ["epochs"] = 60, ["seeds"] = 3 },
    };

    private async Task<(long Studies, long Sweeps, long Runs)> CountsAsync() =>
        (await fixture.Database.ScalarAsync("SELECT COUNT(*) FROM Studies"), await fixture.Database.ScalarAsync("SELECT COUNT(*) FROM Sweeps"),
         await fixture.Database.ScalarAsync("SELECT COUNT(*) FROM Runs"));

    [Fact]
    public async Task Each_experiment_lists_its_declared_studies_with_runs_and_estimated_time()
    {
        foreach (var key in new[] { "xor-prelu", "icl-linreg", "icl-task-count", "markov-icl", "linear-policy", "width-vs-depth", "refex-compose", "tiny-lm", "icl-retrieval", "wide-attention" })
        {
            var studies = (await Http.GetJsonAsync($"/api/experiments/{key}/studies")).EnumerateArray().ToList();
            Assert.NotEmpty(studies);
            Assert.All(studies, s => Assert.InRange(s.GetProperty("estimatedSeconds").GetDouble(), 1, 900));
            Assert.All(studies, s => Assert.True(s.GetProperty("runs").GetInt32() >= 2 * s.GetProperty("configurations").GetInt32()));
        }
        var xor = (await Http.GetJsonAsync("/api/experiments/xor-prelu/studies"))[0];
        Assert.Equal(("success-vs-lr", 20), (xor.GetProperty("key").GetString(), xor.GetProperty("runs").GetInt32()));
        using var missing = await Http.GetAsync(new Uri("/api/experiments/nope/studies", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Theory]
    [InlineData("""{"experiment":"nope","study":"x"}""", "experiment")]
    [InlineData("""{"experiment":"xor-prelu","study":"nope"}""", "study")]
    [InlineData("""{"experiment":"xor-prelu","study":"success-vs-lr","overrides":{"trials":0}}""", "overrides.trials")]
    [InlineData("""{"experiment":"xor-prelu","study":"success-vs-lr","overrides":{"nope":1}}""", "overrides.nope")]
    [InlineData("""{"experiment":"xor-prelu","study":"success-vs-lr","overrides":{"seeds":0}}""", "overrides.seeds")]
    [InlineData("""{"experiment":"xor-prelu","study":"success-vs-lr","overrides":{"seeds":"many"}}""", "overrides.seeds")]
    [InlineData("""{"experiment":"xor-prelu","study":"success-vs-lr","overrides":{"input_coding":"pm1"}}""", "overrides.input_coding")]
    [InlineData("""{"experiment":"xor-prelu","study":"success-vs-lr","overrides":{"input_coding":["pm1","x"]}}""", "overrides.input_coding")]
    [InlineData("""{"experiment":"xor-prelu","study":"success-vs-lr","overrides":{"epochs":{"a":1}}}""", "overrides.epochs")]
    [InlineData("""{"experiment":"xor-prelu","study":"success-vs-lr","overrides":{"seeds":999}}""", "overrides")]
    public async Task Bad_studies_are_400_with_the_field_named_and_nothing_stored_or_queued(string json, string field)
    {
        var before = await CountsAsync();
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync(new Uri("/api/studies", UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.StatusCode} {text}");
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"no error on {field}: {text}");
        Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()));
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task A_small_study_trains_to_a_verdict_and_a_figure_with_intervals_over_seeds()
    {
        var (status, created) = await Http.PostJsonAsync("/api/studies", SmallXorStudy);
        Assert.True(status == HttpStatusCode.Created, created.ToString());
        var id = created.GetProperty("id").GetInt64();
        Assert.Equal(12, created.GetProperty("progress").GetProperty("total").GetInt32());
        Assert.Equal(12, await fixture.Database.ScalarAsync($"SELECT COUNT(*) FROM Runs r JOIN Studies s ON s.SweepId = r.SweepId WHERE s.Id = {id}"));

        var study = await WaitForStudyAsync(id);
        Assert.True(study.GetProperty("progress").GetProperty("succeeded").GetInt32() == 12, $"{study}\n{fixture.Portal.Log}");
        var verdict = study.GetProperty("verdict");
        Assert.Contains(verdict.GetProperty("outcome").GetString(), new[] { "Reproduced", "NotReproduced", "Inconclusive" });
        Assert.Contains("{0,1} · init 1", verdict.GetProperty("text").GetString(), StringComparison.Ordinal);
        var figure = study.GetProperty("figure");
        Assert.Equal("learning rate", figure.GetProperty("x").GetString());
        Assert.True(figure.GetProperty("logX").GetBoolean());
        var series = figure.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(12, series.Count); // PReLU, MLP, GCU × 2 codings × 2 inits
        Assert.All(series, s => Assert.Equal(3, s.GetProperty("points").GetArrayLength()));
        Assert.All(series.SelectMany(s => s.GetProperty("points").EnumerateArray()), p =>
        {
            Assert.Equal(3, p.GetProperty("n").GetInt32());
            Assert.True(p.GetProperty("low").GetDouble() <= p.GetProperty("mean").GetDouble() + 1e-12);
            Assert.True(p.GetProperty("high").GetDouble() >= p.GetProperty("mean").GetDouble() - 1e-12);
        });
        Assert.Equal(JsonValueKind.Array, figure.GetProperty("paper").ValueKind);
        var configurations = study.GetProperty("configurations").EnumerateArray().ToList();
        Assert.Equal(4, configurations.Count);
        Assert.All(configurations, c => Assert.Equal(3, c.GetProperty("runIds").GetArrayLength()));

        using var csv = await Http.GetAsync(new Uri($"/api/studies/{id}/csv", UriKind.Relative));
        var text = await csv.Content.ReadAsStringAsync();
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("series,x,mean,low,high,n,values\n", text, StringComparison.Ordinal);
        Assert.Equal(1 + (12 * 3), text.TrimEnd('\n').Split('\n').Length);

        var (rerunStatus, rerun) = await Http.PostJsonAsync($"/api/studies/{id}/rerun", new { });
        Assert.True(rerunStatus == HttpStatusCode.Created, rerun.ToString());
        Assert.Equal(id, rerun.GetProperty("rerunOfId").GetInt64());
        var again = await WaitForStudyAsync(rerun.GetProperty("id").GetInt64());
        // Same seeds, same configurations: a reproduction gives the same figure.
        Assert.Equal(figure.GetProperty("series").ToString(), again.GetProperty("figure").GetProperty("series").ToString());
    }

    /// <summary>wide-attention draws accuracy, and step/forward time in a second figure of its own (milliseconds, not the
    /// accuracy's [0, 1]): both in the API and as SVG (?figure=1); a figure the study does not have is a 404.</summary>
    [Fact]
    public async Task A_study_with_a_second_figure_serves_it_with_its_own_axis()
    {
        var (status, created) = await Http.PostJsonAsync("/api/studies", new
        {
            experiment = "wide-attention",
            study = "accuracy-and-speed-vs-shape",
            overrides = new Dictionary<string, object> { ["steps"] = 10, ["batch"] = 4, ["test_examples"] = 20, ["max_depth"] = 1, ["seeds"] = 2 },
        });
        Assert.True(status == HttpStatusCode.Created, created.ToString());
        var study = await WaitForStudyAsync(created.GetProperty("id").GetInt64());
        Assert.True(study.GetProperty("progress").GetProperty("succeeded").GetInt32() == 6, $"{study}\n{fixture.Portal.Log}");
        var more = Assert.Single(study.GetProperty("moreFigures").EnumerateArray());
        Assert.StartsWith("milliseconds", more.GetProperty("y").GetString(), StringComparison.Ordinal);
        var step = more.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "step time (ms)");
        Assert.Equal([1.0, 3.0, 6.0], step.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("x").GetDouble()));
        Assert.All(step.GetProperty("points").EnumerateArray(), p => Assert.Equal(2, p.GetProperty("n").GetInt32()));
        Assert.DoesNotContain(study.GetProperty("figure").GetProperty("series").EnumerateArray(), s => s.GetProperty("name").GetString() == "step time (ms)");

        var id = study.GetProperty("id").GetInt64();
        using var svg = await Http.GetAsync(new Uri($"/api/studies/{id}/figure.svg?figure=1", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, svg.StatusCode);
        Assert.Contains("milliseconds", await svg.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var missing = await Http.GetAsync(new Uri($"/api/studies/{id}/figure.svg?figure=2", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Viewers_read_studies_but_cannot_submit_or_review_them()
    {
        const string password = "user-password-1";
        await Http.CreateUserAsync("study-viewer@lab.test", password, "Viewer");
        await Http.CreateUserAsync("study-author@lab.test", password, "Researcher");
        var viewer = await fixture.Portal.SignInAsync("study-viewer@lab.test", password);
        var author = await fixture.Portal.SignInAsync("study-author@lab.test", password);
        var before = await CountsAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostJsonAsync("/api/studies", SmallXorStudy)).Status);
        Assert.Equal(before, await CountsAsync());
        var (status, created) = await author.PostJsonAsync("/api/studies", SmallXorStudy);
        Assert.Equal(HttpStatusCode.Created, status);
        var id = created.GetProperty("id").GetInt64();
        Assert.Equal(id, (await viewer.GetJsonAsync($"/api/studies/{id}")).GetProperty("id").GetInt64());
        Assert.NotEmpty((await viewer.GetJsonAsync("/api/experiments/xor-prelu/studies")).EnumerateArray());
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostJsonAsync($"/api/studies/{id}/review", new { state = "Approved" })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await author.PostJsonAsync($"/api/studies/{id}/review", new { state = "Approved" })).Status);
        var (reviewStatus, reviewed) = await Http.PostJsonAsync($"/api/studies/{id}/review", new { state = "Approved" }); // admin
        Assert.Equal(HttpStatusCode.OK, reviewStatus);
        Assert.Equal("Approved", reviewed.GetProperty("reviewState").GetString());
        await WaitForStudyAsync(id);
    }

    private async Task<JsonElement> WaitForStudyAsync(long id)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var study = await Http.GetJsonAsync($"/api/studies/{id}");
            if (study.GetProperty("status").GetString() == "Finished") return study;
            if (watch.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException($"study {id} did not finish: {study}\n{fixture.Portal.Log}");
            await Task.Delay(250);
        }
    }
}
