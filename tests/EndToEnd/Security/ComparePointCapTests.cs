using System.Net;
using System.Text;
using System.Text.Json;
using LayerLab.Tests.EndToEnd.Infrastructure;

namespace LayerLab.Tests.EndToEnd.Security;

/// <summary>A compare request over its limits (runs, or points over all its runs) is a 400 on "runs" before anything streams.</summary>
[Collection(PortalCollection.Name)]
public sealed class ComparePointCapTests
{
    [Fact]
    public async Task Compare_requests_past_the_point_or_run_cap_are_400_on_runs()
    {
        using var db = new TempDatabase();
        await using var portal = await PortalProcess.StartAsync(db.FilePath, new Dictionary<string, string>
        {
            ["LayerLab__Compare__MaxPoints"] = "1000",
        });
        using var token = new HttpClient { BaseAddress = portal.BaseAddress };
        token.DefaultRequestHeaders.Authorization = new("Bearer", await portal.Http.CreateTokenAsync("rw", "read", "write"));
        var ids = new List<long>();
        for (var r = 0; r < 2; r++)
        {
            var (_, run) = await token.PostJsonAsync("/api/runs/external", new { name = $"run {r}" });
            var id = run.GetProperty("id").GetInt64();
            var points = string.Join(',', Enumerable.Range(0, 600).Select(s => $$"""{"key":"loss","step":{{s}},"value":0.5}"""));
            using var content = new StringContent($$"""{"points":[{{points}}]}""", Encoding.UTF8, "application/json");
            using var stored = await token.PostAsync(new Uri($"/api/runs/{id}/metrics", UriKind.Relative), content);
            Assert.True(stored.IsSuccessStatusCode, await stored.Content.ReadAsStringAsync());
            ids.Add(id);
        }

        using (var one = await token.GetAsync(new Uri($"/api/compare/metrics?runs={ids[0]}&key=loss", UriKind.Relative)))
            Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        await AssertRunsErrorAsync(token, $"/api/compare/metrics?runs={ids[0]},{ids[1]}&key=loss", "1,200 points");
        await AssertRunsErrorAsync(token, $"/api/compare/metrics?runs={string.Join(',', Enumerable.Range(1, 501))}&key=loss", "At most 500 runs");
    }

    private static async Task AssertRunsErrorAsync(HttpClient client, string path, string says)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {text}");
        var message = JsonDocument.Parse(text).RootElement.GetProperty("errors").GetProperty("runs")[0].GetString()!;
        Assert.Contains(says, message, StringComparison.Ordinal);
    }
}
