using System.Net;
using System.Text;
using System.Text.Json;
using LayerLab.Tests.EndToEnd.Infrastructure;

namespace LayerLab.Tests.EndToEnd.ExternalRuns;

/// <summary>
/// GET/PUT /api/panel-layouts/{experimentKey} (#20): a person's own run-page layout per experiment. The owner is the
/// caller, so one person's save never shows on another's page; bad input is a 400 naming the field and stores nothing.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class PanelLayoutApiTests(ExternalRunsPortal lab) : IClassFixture<ExternalRunsPortal>
{
    [Fact]
    public async Task A_saved_layout_belongs_to_its_owner_and_experiment_only()
    {
        var alices = new { order = new[] { "success", "loss" }, pinned = new[] { "success" }, collapsed = new[] { "loss" } };
        var (saved, body) = await SendAsync(lab.Alice, HttpMethod.Put, "/api/panel-layouts/xor-prelu", JsonSerializer.Serialize(alices));
        Assert.True(saved == HttpStatusCode.OK, $"{saved} {body}");

        var mine = await GetAsync(lab.Alice, "xor-prelu");
        Assert.Equal(["success", "loss"], Names(mine, "order"));
        Assert.Equal(["success"], Names(mine, "pinned"));
        Assert.Equal(["loss"], Names(mine, "collapsed"));
        // Another experiment of the same person, and the same experiment of another person: untouched (empty).
        Assert.Empty(Names(await GetAsync(lab.Alice, "icl-linreg"), "order"));
        Assert.Empty(Names(await GetAsync(lab.Bob, "xor-prelu"), "pinned"));

        // Bob's save is his own; Alice's stays as she left it.
        var (bobSaved, _) = await SendAsync(lab.Bob, HttpMethod.Put, "/api/panel-layouts/xor-prelu", "{\"pinned\":[\"loss\"]}");
        Assert.Equal(HttpStatusCode.OK, bobSaved);
        Assert.Equal(["loss"], Names(await GetAsync(lab.Bob, "xor-prelu"), "pinned"));
        Assert.Equal(["success"], Names(await GetAsync(lab.Alice, "xor-prelu"), "pinned"));
        // A second save replaces the first (one row per person and experiment).
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(lab.Bob, HttpMethod.Put, "/api/panel-layouts/xor-prelu", "{\"collapsed\":[\"success\"]}")).Status);
        var bobs = await GetAsync(lab.Bob, "xor-prelu");
        Assert.Empty(Names(bobs, "pinned"));
        Assert.Equal(["success"], Names(bobs, "collapsed"));

        // A read-only token may read but not save; an anonymous caller may do neither.
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(lab.AliceReadOnly, HttpMethod.Put, "/api/panel-layouts/xor-prelu", "{\"pinned\":[]}")).Status);
        Assert.Equal(["success"], Names(await GetAsync(lab.AliceReadOnly, "xor-prelu"), "pinned"));
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = lab.Portal.BaseAddress };
        var (anon, _) = await SendAsync(anonymous, HttpMethod.Get, "/api/panel-layouts/xor-prelu", null);
        Assert.Contains(anon, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Redirect, HttpStatusCode.Found });
    }

    public static TheoryData<string, string, string> BadLayouts => new()
    {
        { "xor-prelu", "{\"order\":\"loss\"}", "order" },
        { "xor-prelu", "{\"pinned\":[" + string.Join(",", Enumerable.Range(0, 65).Select(i => $"\"g{i}\"")) + "]}", "pinned" },
        { "xor-prelu", "{\"collapsed\":[\"loss\",\"loss\"]}", "collapsed[1]" },
        { "xor-prelu", "{\"order\":[\"" + new string('x', 65) + "\"]}", "order[0]" },
        { "xor-prelu", "{\"order\":[3]}", "order[0]" },
        { "xor-prelu", "{\"colour\":\"red\"}", "colour" },
        { "xor-prelu", "[1,2]", "body" },
        { "bad%20key!", "{\"order\":[]}", "experimentKey" },
        { new string('k', 101), "{\"order\":[]}", "experimentKey" },
    };

    [Theory]
    [MemberData(nameof(BadLayouts))]
    public async Task A_bad_layout_is_a_400_naming_the_field_and_stores_nothing(string experimentKey, string json, string field)
    {
        var (status, body) = await SendAsync(lab.Alice, HttpMethod.Put, $"/api/panel-layouts/{experimentKey}", json);
        Assert.True(status == HttpStatusCode.BadRequest, $"{status} {body}");
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), body.ToString());
        if (experimentKey == "xor-prelu")
            Assert.DoesNotContain("g64", Names(await GetAsync(lab.Alice, "xor-prelu"), "pinned"));
    }

    private static List<string> Names(JsonElement layout, string list) =>
        layout.GetProperty(list).EnumerateArray().Select(e => e.GetString()!).ToList();

    private static async Task<JsonElement> GetAsync(HttpClient client, string experimentKey)
    {
        var (status, body) = await SendAsync(client, HttpMethod.Get, $"/api/panel-layouts/{experimentKey}", null);
        Assert.True(status == HttpStatusCode.OK, $"{status} {body}");
        return body;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient client, HttpMethod method, string path, string? json)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonElement body = default;
        if (text.Length > 0 && text.TrimStart().StartsWith('{')) body = JsonDocument.Parse(text).RootElement.Clone();
        return (response.StatusCode, body);
    }
}
